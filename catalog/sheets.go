package catalog

// Sheets is what is said about the notice's spreadsheet filled offline
// (/template and a file sent back) and about an answer corrected by editing
// the message that gave it.
var Sheets = struct {
	// Editing a sent answer.
	EditDone, EditSame, EditRefused, EditHard, EditSoft    string
	EditSubmitted, EditApproved, EditGone, EditRowGone     string
	EditNotAsked, EditNotAnswer, EditTooOld, EditFileField string
	EditPlaceGone                                          string
}{
	EditDone:      "✏️ 已按您修改后的消息更新「%s」：%s → %s",
	EditSame:      "您修改后的消息与「%s」现在的答案（%s）相同，没有改变。",
	EditRefused:   "✏️ 您修改了对「%s」的回答，但新的内容未被采用，原答案（%s）保持不变：\n%s",
	EditHard:      "✏️ 您修改了对「%s」的回答，但「%s」与其他答案不符，原答案（%s）保持不变：",
	EditSoft:      "⚠️ 这个数字需要您确认：%s\n提交前请在复核页点「确认无误」。",
	EditSubmitted: "✏️ 「%s」已随%s提交（第 %d 版），编辑消息不会修改已提交的答案，原答案（%s）保持不变。如需修改，请先撤回提交（/start → %s → 撤回提交），再在对话中修改。",
	EditApproved:  "✏️ %s已审核通过，编辑消息不会修改其中的答案，「%s」仍是 %s。如有错误，请联系审核单位退回后再改。",
	EditGone:      "✏️ 您修改的消息所回答的问题已不在表格中，没有改变任何答案。",
	EditRowGone:   "✏️ 您修改的消息所属的%s已删除，没有改变任何答案。",
	EditNotAsked:  "✏️ 按现在的其他答案，「%s」不需要填写，编辑消息没有改变任何答案。",
	EditNotAnswer: "✏️ 您修改的消息不是对某个问题的回答，没有改变任何答案。",
	EditTooOld:    "✏️ 这条消息发出已超过 7 天，编辑它不会修改答案；请在对话中修改（/start → 表格 → 改）。",
	EditFileField: "✏️ 「%s」要上传文件，不能通过编辑文字修改。",
	EditPlaceGone: "✏️ 您已不再是这条消息所填单位的联系人，编辑它不会改变任何答案。",
}

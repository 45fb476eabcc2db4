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

	// The template: where a cell is, its notes, what the file records.
	Where, NoteAuthor, NoteFile, NoteFilledAbove      string
	NoteOptional, NoteRequired, NoteUnit, NoteExample string
	NoteHint, NoteChoices, NoteYearMonth, NoteDate    string
	ListErrorTitle, ListError, MetaNotice             string
	// A file that cannot be read as a template.
	MetaDisagree, NotTemplate, OldFormat, NotSheet, Unreadable string
	LayoutRelease, SheetMissing, LayoutChanged                 string
	LayoutGot, LayoutEmpty, LayoutCell, LayoutMerged, Merges   string

	// The chat: /template, a file sent back, the walk after it.
	BtnTemplate, TemplateNone, TemplateChoose, TemplateSent          string
	TemplateSubmitted, Imported, ImportedNothing                     string
	SheetWrongCampaign, SheetWrongUnit, SheetOldVersion              string
	SheetFormGone, SheetNotFillable, SheetSubmitted, SheetApproved   string
	DiffHead, DiffLine, DiffDelete, DiffRevive, DiffMore, RowRevived string
	BtnApply, BtnKeepOld, DiffApplied, DiffKept, AllGood, ToFix      string
	CellProblem, CellMissing, CellNotAsked, CellSoft                 string
	CommandTemplate, HelpTemplate, HelpEdit                          string
	FileSuffix                                                       string
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

	Where:           "第 %d 行%s「%s」",
	NoteAuthor:      "填报系统",
	NoteFile:        "此项要上传文件：请在对话中发送文件，表格中不能填写。",
	NoteFilledAbove: "此项由上级单位填写，本单位不需填写。",
	NoteOptional:    "选填，可以留空。",
	NoteRequired:    "必填。",
	NoteUnit:        "单位：%s（只填数字即可，也可写单位，会自动换算）",
	NoteExample:     "示例：%s",
	NoteHint:        "说明：%s",
	NoteChoices:     "请从下拉列表中选择：%s",
	NoteYearMonth:   "填年月，如 2019-06 或 2019年6月。",
	NoteDate:        "填日期，如 2018-09-15 或 2018年9月15日。",
	ListErrorTitle:  "请从列表中选择",
	ListError:       "此格只能填：%s",
	MetaNotice:      "本工作表由填报系统使用，用来识别这份表格属于哪个单位、哪张表，请勿修改或删除。",

	MetaDisagree:  "这个表格的识别信息前后不一致（可能被改动过），无法确定它属于哪个单位和哪张表，未导入。请发送 /template 重新下载后填写。",
	NotTemplate:   "这个表格不是用 /template 下载的填报表格，无法确定它属于哪个单位和哪张表，未导入。请发送 /template 下载本单位的表格，在其中填写后再发回。",
	OldFormat:     "这个文件是旧版 Excel（.xls）格式或设置了打开密码，无法读取。请在 Excel 或 WPS 中“另存为” .xlsx 格式（不设密码）后再发送。",
	NotSheet:      "这个文件不是 Excel/WPS 表格（.xlsx），无法导入。请发送用 /template 下载并填写好的表格。",
	Unreadable:    "这个表格无法打开（可能已损坏），未导入。请在 Excel 或 WPS 中打开确认后重新保存，再发送。",
	LayoutRelease: "这份表格是按旧的版式生成的，填报系统的表格版式已更新，无法逐格对应，未导入。请发送 /template 下载新表格，把内容抄过去后再发回。",
	SheetMissing:  "表格中找不到工作表「%s」（可能被删除或改名），未导入。请发送 /template 重新下载后填写。",
	LayoutChanged: "表格的格式被改动过，无法逐格对应，未导入：%s。请不要插入、删除或移动行列、修改表头；请发送 /template 重新下载后填写。",
	LayoutGot:     "现在是「%s」",
	LayoutEmpty:   "现在是空的",
	LayoutCell:    "第 %d 行 %s 列应为「%s」，%s",
	LayoutMerged:  "%s 合并了单元格，盖住了要填写的%s",
	Merges:        "合并了 %d 处单元格",

	BtnTemplate:       "📥 %s 表格",
	TemplateNone:      "目前没有可以下载表格填写的表格（已提交的表格不能再用表格修改）。",
	TemplateChoose:    "要下载哪张表格？下载后在 Excel 或 WPS 中填写黄色单元格，保存后把文件发回本对话即可导入。",
	TemplateSent:      "📥 《%s》的填报表格，已按草稿预填。\n在 Excel 或 WPS 中填写黄色单元格（表头的批注有说明，选项可从下拉列表选），保存后把文件直接发回本对话：每一格都会像在对话中输入一样检查，没问题的直接保存，有问题的逐项询问。",
	TemplateSubmitted: "《%s》已提交，不能再用表格修改。如需修改，请先撤回提交。",
	Imported:          "📥 已从表格导入《%s》：填入 %d 项。",
	ImportedNothing:   "📥 表格《%s》与草稿一致，没有新填的内容。",

	SheetWrongCampaign: "这份表格是「%s」在另一项填报中的表格，不属于〔%s〕，未导入。",
	SheetWrongUnit:     "这份表格是「%s」的，您是「%s」的联系人，未导入。请发送 /template 下载本单位的表格。",
	SheetOldVersion:    "这份表格是按第 %d 版填报要求生成的，现在的要求是第 %d 版（表格内容可能有变），未导入。请发送 /template 下载新表格，填写后再发回。",
	SheetFormGone:      "这份表格所填的表已不在本次填报中，未导入。",
	SheetNotFillable:   "本单位不需要填写《%s》，未导入。",
	SheetSubmitted:     "《%s》已提交（第 %d 版），不能再用表格修改，文件未导入。如需修改，请先撤回提交（/start → %s → 撤回提交），再发送表格。",
	SheetApproved:      "《%s》已审核通过，不能再用表格修改，文件未导入。",

	DiffHead:    "表格《%s》中有 %d 处与草稿中已有的答案不同，确认后才会修改：",
	DiffLine:    "· %s：%s → %s",
	DiffDelete:  "· 删除%s（表格中这一行已清空）",
	DiffRevive:  "· 重新添加%s：%s",
	DiffMore:    "……等共 %d 处未列出。",
	RowRevived:  "%s中已在对话中删除的%s",
	BtnApply:    "✅ 按表格修改",
	BtnKeepOld:  "保留原答案",
	DiffApplied: "已按表格修改 %d 处。",
	DiffKept:    "已保留原答案，表格中的 %d 处不同未采用。",
	AllGood:     "表格内容全部通过检查。",
	ToFix:       "还有 %d 处需要处理，下面逐项询问：",

	CellProblem:     "%s：「%s」%s",
	CellMissing:     "%s：未填写。",
	CellNotAsked:    "%s：按这一行其他的答案不需要填写，已忽略。",
	FileSuffix:      "填报表",
	CellSoft:        "%s：有一项提示要您核对。",
	CommandTemplate: "下载表格，在 Excel/WPS 填好后发回",
	HelpTemplate:    "，/template 下载表格离线填写（在 Excel/WPS 中填好后把文件发回即可导入）",
	HelpEdit:        "回答发错了，可以直接编辑那条消息来修改。",
}

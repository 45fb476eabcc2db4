package catalog

// PageForm is what the engine says to the desk's page when a form is
// filled there (the form on the page, issue 24): refusals, conflicts with
// a backup contact, what was saved. What a cell is checked against — the
// parsing, the rules, Problems — speaks the chat's own words.
var PageForm = struct {
	Locked, LockedApproved, NotAsked, FileOnly, NotFile, RowGone string
	Conflict, ConflictRow, SoftGone, Saved, Converted, Cleared   string
	Deleted, Confirmed, NothingOwnRefused                        string
	// The notice's spreadsheet uploaded on the page.
	SheetOtherUnit, SheetOtherForm, SheetDecided string
}{
	Locked:            "《%s》已提交，不能在此修改；如需修改，请先在对话中撤回。",
	LockedApproved:    "《%s》已审核通过，不能再修改。",
	NotAsked:          "「%s」在这里不需要填写。",
	FileOnly:          "「%s」请选择文件上传。",
	NotFile:           "「%s」不是上传文件的项目。",
	RowGone:           "这个%s已被其他联系人删除，您的输入没有保存。",
	Conflict:          "「%s」刚被其他联系人改为「%s」（您看到的是「%s」），您输入的「%s」没有保存。请核对后再保存。",
	ConflictRow:       "这个%s的内容刚被其他联系人改过，请核对后再操作。",
	SoftGone:          "这条提示涉及的数字刚被改过，请核对后再确认。",
	Saved:             "✔ %s：%s",
	Converted:         "已记为 %s",
	Cleared:           "已清空「%s」。",
	Deleted:           "已删除第 %d 个%s「%s」。",
	Confirmed:         "已确认：%s",
	NothingOwnRefused: "本表已有内容，不能报「本级无」。",
	SheetOtherUnit:    "这份表格是「%s」的，这里是「%s」的填报页面，未导入。请在这里下载本单位的表格，填写后再上传。",
	SheetOtherForm:    "这份表格是《%s》的，这里是《%s》，未导入。请到那张表的页面上传，或在这里下载本表的表格。",
	SheetDecided:      "表格中的这些不同已经处理过了（可能在对话中），下面是现在的答案。",
}

// PageFormTexts are the page's own words for filling a form there; the
// page is sent with them beside DeskTexts.
var PageFormTexts = map[string]string{
	"fillHere":      "📝 在此填写",
	"fillHereStart": "📝 在此开始填写",
	"fillInChat":    "在对话中填写",
	"formBack":      "‹ 本单位",
	"required":      "必填",
	"optional":      "选填",
	"example":       "例如 %s",
	"ghost":         "➕ 第 %d 个%s（在此填写即添加）",
	"rowHead":       "第 %d 个%s",
	"deleteRow":     "🗑 删除",
	"deleteAsk":     "删除第 %d 个%s「%s」及其全部内容？",
	"deleteYes":     "确认删除",
	"confirmSoft":   "确认无误",
	"submitForm":    "✅ 提交%s",
	"problemsHead":  "提交前还需处理：",
	"missingCount":  "还有 %d 项未填写",
	"readyToSubmit": "全部填写完毕，可以提交。",
	"theirs":        "其他联系人刚改过此项",
	"keepMine":      "仍用「%s」",
	"pickFile":      "选择文件",
	"replaceFile":   "更换文件",
	"uploading":     "正在上传…",
	"fileTooBig":    "文件超过 %d MB，不能上传。",
	"readOnly":      "（由上级填写）",
	"computed":      "自动合计",
	"blankCell":     "——",
	"flaggedCell":   "需修改",
	"changedCell":   "已改",
	"nextForm":      "已提交。下一张：%s",
	"allDone":       "本单位的表都已提交。",
	"nothingOwn":    "本级无（本单位没有要填报的内容）",
	"savedNote":     "已保存",
	"unsavedNote":   "未保存",
	"gridHint":      "表格较宽，左右滑动；首列与表头固定",
	"lockedNote":    "此表已提交，待上级审核；如需修改，请在对话中撤回。",
	"approvedNote":  "此表已审核通过。",
	"notOpen":       "此表尚未开放填写。",
	"sectionEmpty":  "本部分没有%s。",
	"returnedHead":  "此表被退回修改",
	"goToCell":      "去修改 ›",
	"problemsTitle": "问题",
	"sheetHead":     "用表格填写",
	"sheetNote":     "下载本单位的表格（已按草稿预填），在 Excel 或 WPS 中填写黄色单元格，保存后在这里上传（或发回对话）：每一格都按同样的规则检查，没问题的直接保存。",
	"sheetDownload": "📥 下载表格",
	"sheetUpload":   "📤 上传填好的表格",
	"sheetReading":  "正在导入表格…",
	"sheetTooBig":   "表格文件超过 %d MB，不能上传。",
	"sheetIssues":   "表格导入后还有 %d 处需要处理，已在表中标出：",
	"sheetAllGood":  Sheets.AllGood,
	"sheetApply":    Sheets.BtnApply,
	"sheetKeep":     Sheets.BtnKeepOld,
	"sheetFromFile": "表格",
}

package catalog

// Signoff is the sign-off's part of the catalogue: returns that travel down
// the levels, flagging single fields of a row, a list's bounds on its rows,
// and the subordinates an aggregator marks 未收到 or 免报.
var Signoff = struct {
	// Flagging inside a row.
	RowFlagged, BtnBackToItems string
	// Returns down the levels.
	PassedOnTo, PassOnState                      string
	HopWaits, HopPassed, HopFixing, HopResubmit  string
	HopFixed, HopMarked                          string
	ReturnStillOpen, ReturnStillOpenWhole        string
	ReforwardRefused, ReforwardRefusedWhole      string
	OpenReturnsHead, OpenReturnLine              string
	OwnReturnsHead, OwnReturnLine, BtnOwnReturns string
	ReopenAlready                                string
	// A list's rows.
	MinRowsProblem, MaxRowsProblem, MinRowsEmpty, FinishTooFew string
	MinRowsHint                                                string
	// 未收到／免报.
	StateExempt, StateNotReceived                     string
	BtnMark, MarkIntro, MarkNone, BtnMarkUnit         string
	BtnUnmark, MarkAskKind, BtnExempt, BtnNotReceived string
	MarkAskReason, MarkDone, UnmarkDone, MarkNotice   string
	UnmarkNotice, MarkGone, MarkReason, MarkedCount   string
	MarkedOpen, PackageMarked, PackageRequestMarked   string
	DiffMark, Version, MatrixLegendMarks              string
}{
	RowFlagged:     "%s（已选 %d 项）",
	BtnBackToItems: "返回上一级",

	PassedOnTo:            "已把退回转给%s（%s），并附上了退回理由；%s修改并重新上报后，请审核通过，再重新上报。",
	PassOnState:           "\n  · %s：%s",
	HopWaits:              "尚未转下去",
	HopPassed:             "退回已到%s，待其转给下级",
	HopFixing:             "修改中",
	HopResubmit:           "已重新提交，待%s审核",
	HopFixed:              "已改正（第 %d 版）",
	HopMarked:             "已标记为%s",
	ReturnStillOpen:       "\n  退回尚未改正：%s",
	ReturnStillOpenWhole:  "\n  整个汇总被退回，尚无任何改动",
	ReforwardRefused:      "退回尚未改正，不能原样重新上报：%s 仍是被退回时的版本。请先把退回转下去，待修改并审核通过后再上报。",
	ReforwardRefusedWhole: "整个汇总被退回，至今没有任何改动，不能原样重新上报。请先把退回转给相应单位修改。",
	OpenReturnsHead:       "↩️ 您退回、尚未重新上报的汇总 %d 份：",
	OpenReturnLine:        "\n· %s：%s",
	OwnReturnsHead:        "↩️ 被上级退回、待处理的汇总 %d 份：",
	OwnReturnLine:         "\n· %s（%s退回：%s）",
	BtnOwnReturns:         "↩️ 处理退回（/forward）",
	ReopenAlready:         "%s的《%s》已不是被退回的那一版（%s），无需再转。",

	MinRowsProblem: "%s：至少要填写 %d 个%s，现在有 %d 个。",
	MaxRowsProblem: "%s：最多填写 %d 个%s，现在有 %d 个，请删去多余的。",
	MinRowsEmpty:   "%s：本部分至少要填写 %d 个%s。",
	FinishTooFew:   "本部分至少要填写 %d 个%s，现在有 %d 个。",
	MinRowsHint:    "（至少要填 %d 个）",

	StateExempt:          "免报",
	StateNotReceived:     "未收到",
	BtnMark:              "🚫 标记未收到／免报：%s",
	MarkIntro:            "《%s》：哪个下级单位标记为未收到或免报？标记后可不等它而上报，上级会看到标记和理由。",
	MarkNone:             "《%s》没有可以标记的下级单位（都已提交，或已标记）。",
	BtnMarkUnit:          "%s（%s）",
	BtnUnmark:            "撤销标记：%s（%s）",
	MarkAskKind:          "把%s的《%s》标记为：",
	BtnExempt:            "➖ 免报（本期无需填报）",
	BtnNotReceived:       "🚫 未收到（催报未果）",
	MarkAskReason:        "把%s的《%s》标记为%s。请输入理由（上级和该单位都会看到）：",
	MarkDone:             "已把%s的《%s》标记为%s（理由：%s）。",
	UnmarkDone:           "已撤销%s《%s》的%s标记。",
	MarkNotice:           "📌 您单位的《%s》已被%s标记为%s。\n理由：%s\n如仍需填报，可以继续填写并提交。",
	UnmarkNotice:         "📌 %s撤销了您单位《%s》的%s标记，请按时填报。",
	MarkGone:             "这个单位的《%s》已经提交或已标记，不能再标记。",
	MarkReason:           "（理由：%s）",
	MarkedCount:          "%s %d 个",
	MarkedOpen:           "📌 上级已把本表标记为%s（理由：%s）。如仍需填报，可以继续填写并提交。",
	PackageMarked:        "\n  已标记：%s",
	PackageRequestMarked: "【待审核】%s 上报了《%s》汇总（第 %d 次上报，%d 个单位已审核通过，%s）：",
	DiffMark:             "%s：%s → %s",
	Version:              "第 %d 版",
	MatrixLegendMarks:    " ⭕免报 🚫未收到",
}

// Package catalog is the catalogue of what tianbao says: every sentence a
// person reads, in Chinese, whichever package says it (the conversation, the
// answer checks, the reports, the desk, the transports).
package catalog

import (
	"fmt"
	"strings"

	"tianbao/campaign/parse"
)

// Chat is the conversation's part of the catalogue. Chinese first; the code
// around it stays in English.
var Chat = struct {
	Welcome, NoForms, ChooseForm                         string
	StatusNotStarted, StatusDraft, StatusSubmitted       string
	StatusReturned, StatusApproved, StatusDraftPlain     string
	DueIn, DueToday, Overdue, DueWhose, DueWhoseChain    string
	Progress, CurrentAnswer, Hint, UnitOf, Example       string
	Optional                                             string
	BtnSkip, BtnKeep, BtnConfirm, BtnRedo, BtnBack       string
	BtnSubmit, BtnAddRow, BtnNoRows, BtnFinishSection    string
	BtnDeleteRow, BtnConfirmDelete, BtnCancel, BtnHome   string
	BtnEdit, BtnBackToReview, BtnBackToList, BtnOpenList string
	Stale, Cancelled, NoQuestion, UnknownCommand         string
	CannotSkip, NothingBefore, SoftIntro, SoftAsk        string
	Saved, HardOpenAfterEdit                             string
	ReviewIntro, ReviewBlocked, ReviewReady              string
	Submitted, AlreadySubmitted, AlreadyApproved         string
	SubmittedMeanwhile                                   string
	ListEmpty, ListIntro, RowSaved, RowDeleted           string
	RowIncomplete, BtnRowIncomplete                      string
	DeleteAsk, RowMenu, NotFillable, FileNotExpected     string
	FileWrongType, FileTooBig, FileExpected              string
	FileLooksLike, FileUnknownKind, FileNotText          string
	FileQuotaBytes, FileQuotaCount                       string
	SuggestHint, Apology, HelpCommands, Checklist        string
	HelpFill, HelpExtend, HelpReviewerCommands           string
	HelpForward, HelpTop                                 string
	MissingRequired, SoftUnconfirmed, HardFailing        string
	Unique, NoRowsYet, TableRow, MaxRows, RowEmpty       string
	ReviewRequest, NoChanges, ChangesSince               string
	BtnApprove, BtnReturn, BtnConfirmReturn, BtnGoFix    string
	BtnWithdraw, StatusWithdrawn                         string
	NotYourReview, AlreadyReviewed, NotYourSummary       string
	ApprovedNotice, ApprovedDone                         string
	ReturnGone, ReturnAskReason, ReturnAskFlags          string
	ReasonTooLong, ReturnCancelled, WholeForm            string
	ReturnedNotice, ReturnedDone, ReturnedHeader         string
	CannotWithdraw, WithdrawnNotice, WithdrawnDone       string
	DiffAdded, DiffRemoved, UnnamedFile, RuleBroken      string
	CannotForward, ForwardIntro, ForwardWaiting          string
	ForwardNotReady, Forwarded, BtnForward               string
	PackageRequest, PackageApproved, PackageReturned     string
	NothingToExtend, ExtendChooseForm, ExtendAskReason   string
	ExtendAskDate, ExtendBadDate, ExtendDateRange        string
	ExtendRequest, ExtendSent, ExtensionDecided          string
	ExtensionApproved, ExtensionRefused                  string
	ExtensionApprovedDone, ExtensionRefusedDone          string
	BtnApproveExtension, BtnRefuseExtension              string
	NudgeDone, NudgeNone, NudgeRecent                    string
	ReplaceAsk, BtnReplaceWith                           string
	StatusLineHead, HelpReviewer, HelpNoReviewer         string
	RowEmptyProblem, BtnFixDelete, BtnFixConfirm, BtnFix string
	BtnBackToReviewRow, RowDeletedName, FixedNone        string
	BtnFixMissing, MissingMany                           string
	BtnNothingOwn, NothingOwnReason, NothingOwnDone      string
	BtnRedoOwn, RedoOwnForwarded, RedoOwnDone            string
	StatusOpensOn, NotOpenYet, Prefilled                 string
	PartOfExceeds, Dash, AnswerNoLongerFits              string
	ChoiceNotOffered, ChoiceRefused                      string
	BtnAllPeriods, PeriodsHead, PeriodsPageOf            string
	BtnNewerPeriods, BtnOlderPeriods                     string
	ApproveAsk, FilledAbove                              string
	WithdrawAsk, BtnConfirmWithdraw                      string
	BtnFlagInside, BtnBackToUnits, ReturnAskUnits        string
	ReturnAskInside, FlagUnit, BtnPassOn, WholePackage   string
	ReopenGone, ReopenDone, PassedOnReason               string
	CannotWithdrawPackage, PackageWithdrawnNotice        string
	ForwardLine, ForwardNotSubmitted, ForwardState       string
	AndMore, NotAName, PatternMismatch                   string
	SoftAbove, SoftBelow                                 string
	PackageWithdrawnDone, BtnWithdrawPackage             string
}{
	Welcome:                "您好，%s（%s）。\n《%s》%s",
	NoForms:                "本单位在此次填报中没有需要填写的表格。",
	ChooseForm:             "请选择要填写的表格：",
	StatusNotStarted:       "未开始",
	StatusDraft:            "草稿 %d/%d",
	StatusSubmitted:        "已提交",
	StatusReturned:         "已退回",
	StatusApproved:         "已通过",
	StatusDraftPlain:       "草稿",
	DueIn:                  "截止 %s，还剩 %d 天",
	DueToday:               "截止 %s，就是今天",
	Overdue:                "已逾期 %d 天，截止 %s",
	DueWhose:               "（报%s）",
	DueWhoseChain:          "（报%s；%s %s前报%s）",
	Progress:               "第 %d/%d 项",
	CurrentAnswer:          "当前答案：%s",
	Hint:                   "提示：%s",
	UnitOf:                 "单位：%s",
	Example:                "例如：%s",
	Optional:               "（选填，可发送 /skip 跳过）",
	BtnSkip:                "跳过",
	BtnKeep:                "保留当前答案",
	BtnConfirm:             "确认无误",
	BtnRedo:                "重新输入",
	BtnBack:                "返回",
	BtnSubmit:              "✅ 提交",
	BtnAddRow:              "➕ 添加%s",
	BtnNoRows:              "本部分没有%s",
	BtnFinishSection:       "本部分填完了",
	BtnDeleteRow:           "🗑 删除此%s",
	BtnConfirmDelete:       "确认删除",
	BtnCancel:              "取消",
	BtnHome:                "返回首页",
	BtnEdit:                "改：%s",
	BtnBackToReview:        "返回核对页",
	BtnBackToList:          "返回列表",
	BtnOpenList:            "%s（%d 个%s）",
	Stale:                  "此按钮已失效，请按最新的提问操作。",
	Cancelled:              "已离开此表，草稿已保存，随时可以继续。",
	NoQuestion:             "现在没有待回答的问题。请点选下方按钮，或发送 /start 查看各表状态。",
	UnknownCommand:         "没有这个命令。",
	CannotSkip:             "「%s」是必填项，不能跳过。",
	NothingBefore:          "这已经是第一项了。",
	SoftIntro:              "请核对：",
	SoftAsk:                "如确认无误请点「确认无误」，否则点「重新输入」。",
	Saved:                  "已保存。",
	HardOpenAfterEdit:      "已保存，但以下问题尚未解决，提交前请继续修改相关项目：",
	ReviewIntro:            "%s\n\n请核对已填内容，点选按钮可修改：",
	ReviewBlocked:          "还不能提交，请先处理：",
	ReviewReady:            "全部填写完毕，核对无误后请点「提交」。",
	Submitted:              "已提交《%s》（第 %d 版）。审核结果会在这里通知您。",
	AlreadySubmitted:       "《%s》已提交，正在等待审核，暂时不能修改。",
	AlreadyApproved:        "《%s》已审核通过。",
	SubmittedMeanwhile:     "本单位已提交此表，这次的输入没有保存。",
	ListEmpty:              "%s：本部分可以填写多个%s，也可以没有。",
	ListIntro:              "%s：已填 %d 个%s。",
	RowIncomplete:          "（未填完，还差 %d 项）",
	BtnRowIncomplete:       "⚠️ %s（未填完）",
	RowSaved:               "已保存第 %d 个%s。",
	RowDeleted:             "已删除。",
	DeleteAsk:              "确定删除第 %d 个%s「%s」吗？删除后不能恢复。",
	RowMenu:                "%s 第 %d 个%s：",
	NotFillable:            "本单位不需要填写此表。",
	FileNotExpected:        "现在不需要上传文件。",
	FileWrongType:          "文件类型不符：「%s」%s，本项只接受 %s。",
	FileLooksLike:          "看起来是 %s 文件",
	FileUnknownKind:        "的类型无法识别",
	FileTooBig:             "文件太大（%s），本项不超过 %d MB。",
	FileExpected:           "本项需要上传文件（%s），请发送文件。",
	FileNotText:            "「%s」要的是文件，不是文字：请点输入框旁的 📎，选择文件发送。",
	FileQuotaBytes:         "「%s」（%s）没有保存：本单位已存文件 %s，每个单位最多 %s。如确需上传，请联系管理员。",
	FileQuotaCount:         "「%s」没有保存：「%s」已存 %d 个文件，每项最多 %d 个。如确需上传，请联系管理员。",
	SuggestHint:            "可点选其他县（市、区）已填的内容，也可直接输入。",
	Apology:                "抱歉，系统出了点问题，您刚才的操作没有保存。请稍后再试。",
	HelpCommands:           "命令：/start 首页%s，/help 帮助%s。",
	HelpFill:               "，/status 填报状态，/back 上一项，/skip 跳过选填项，/cancel 离开此表（草稿保留）",
	HelpExtend:             "，/extend 申请延期",
	HelpReviewerCommands:   "；审核人：/summary 进度，/export 导出%s，/invite 邀请",
	HelpForward:            "，/forward 上报",
	HelpTop:                "《%s》由本单位发出，各地有疑问时看到的联系方式是：\n%s",
	Checklist:              "规划文本须包括：",
	MissingRequired:        "「%s」尚未填写",
	SoftUnconfirmed:        "提示未确认：%s",
	HardFailing:            "%s",
	Unique:                 "本部分已有「%s」，%s不能重复。",
	NoRowsYet:              "（无）",
	RowEmpty:               "（未填写内容）",
	TableRow:               "【%s】",
	MaxRows:                "本部分最多填写 %d 个%s。",
	ReviewRequest:          "【待审核】%s 提交了《%s》第 %d 版：",
	NoChanges:              "（没有改动）",
	ChangesSince:           "与第 %d 版相比的改动：",
	BtnApprove:             "✅ 通过",
	BtnReturn:              "↩️ 退回",
	BtnConfirmReturn:       "确认退回（标记 %d 项）",
	BtnGoFix:               "去修改",
	BtnWithdraw:            "撤回提交",
	StatusWithdrawn:        "已撤回",
	NotYourReview:          "您无权审核这个单位的提交。",
	NotYourSummary:         "您只能查看本单位及下级单位的填报进度。",
	AlreadyReviewed:        "%s已处理：%s",
	ApprovedNotice:         "✅《%s》第 %d 版已由%s审核通过。",
	ApprovedDone:           "✅ 已通过：%s。",
	ReturnGone:             "这份提交已被处理或撤回，无需退回。",
	ReturnAskReason:        "退回%s。请输入退回理由（将原文告知对方）：",
	ReturnAskFlags:         "退回%s《%s》\n理由：%s\n\n请勾选需要修改的项目（不勾选则整表重新核对），然后点「确认退回」：",
	ReasonTooLong:          "理由请控制在 500 字以内。",
	ReturnCancelled:        "已取消退回。",
	WholeForm:              "整表",
	ReturnedNotice:         "↩️《%s》第 %d 版被%s退回修改。\n理由：%s\n需修改：%s",
	ReturnedDone:           "已退回%s，并已通知对方。",
	ReturnedHeader:         "↩️ 此表被退回修改。\n理由：%s\n需修改：%s",
	CannotWithdraw:         "此表已经审核，不能撤回。",
	WithdrawnNotice:        "%s 撤回了《%s》第 %d 版，修改后会重新提交。",
	WithdrawnDone:          "已撤回《%s》第 %d 版，可以修改后重新提交。",
	DiffAdded:              "%s 新增%s「%s」",
	DiffRemoved:            "%s 删除%s「%s」",
	UnnamedFile:            "文件",
	RuleBroken:             "核对规则「%s」用这些数字无法计算（例如出现了除以 0），暂时不能提交。请核对相关数字；如确认无误，请联系上级审核人。",
	CannotForward:          "只有有下级单位、又有上级单位的审核人（如设区市）可以上报汇总。",
	ForwardIntro:           "%s 向%s上报（各表分别上报，本级和下级全部审核通过后才能上报）：",
	ForwardWaiting:         "\n  待您审核 %d 个：%s",
	ForwardNotReady:        "这张表还不能上报：还有单位未审核通过，或已经上报。",
	Forwarded:              "已上报《%s》汇总（第 %d 次上报），等待上级审核。",
	BtnForward:             "📤 上报 %s",
	PackageRequest:         "【待审核】%s 上报了《%s》汇总（第 %d 次上报，%d 个单位均已审核通过）：",
	PackageApproved:        "✅《%s》汇总（第 %d 次上报）已由%s审核通过。",
	PackageReturned:        "↩️《%s》汇总（第 %d 次上报）被%s退回。\n理由：%s\n需修改：%s\n可点下方按钮把退回转给相应单位修改；修改并审核通过后，请重新上报。",
	NothingToExtend:        "没有需要延期的表格。",
	ExtendChooseForm:       "申请延期：请选择表格。",
	ExtendAskReason:        "申请延期《%s》（现截止 %s）。请输入延期理由：",
	ExtendAskDate:          "请输入希望延至的日期（现截止 %s），例如 2018-12-20：",
	ExtendBadDate:          "日期无法识别，请输入例如 2018-12-20 或 2018年12月20日。",
	ExtendDateRange:        "新的截止日期须晚于现在的截止日期（%s），且延期不超过 90 天。",
	ExtendRequest:          "【延期申请】%s 申请将《%s》的截止日期由 %s 延至 %s。\n理由：%s",
	ExtendSent:             "已提交延期申请：《%s》延至 %s，等待审核。",
	ExtensionDecided:       "%s《%s》的延期申请已处理。",
	ExtensionApproved:      "✅《%s》的延期申请已批准：截止日期改为 %s（%s）。",
	ExtensionRefused:       "《%s》延至 %s 的申请未获批准（%s），请按原截止日期报送。",
	ExtensionApprovedDone:  "✅ 已批准%s《%s》延至 %s。",
	ExtensionRefusedDone:   "已拒绝%s《%s》延至 %s 的申请。",
	BtnApproveExtension:    "✅ 批准延期",
	BtnRefuseExtension:     "不批准",
	RowEmptyProblem:        "没有填写内容（可删除）",
	BtnFixDelete:           "🗑 删除空行：%s",
	BtnFixConfirm:          "确认无误：%s",
	BtnFix:                 "去处理：%s",
	BtnFixMissing:          "补填：%s（%d 项）",
	MissingMany:            "%d 项尚未填写：%s",
	BtnNothingOwn:          "本级无（本单位没有要填报的内容）",
	NothingOwnReason:       "本级无",
	BtnRedoOwn:             "重新填写",
	StatusOpensOn:          "%s开放填报",
	PartOfExceeds:          "「%s」的%s %s 大于「%s」的 %s：其中数不能超过总数。",
	Dash:                   "——",
	ApproveAsk:             "审核%s：通过前请填写「%s」（%s）",
	FilledAbove:            "（由上级填写）",
	AnswerNoLongerFits:     "原来的答案「%s」已不符合本项现在的要求（填报要求有调整），请重新填写。",
	ChoiceNotOffered:       "「%s」选了「%s」，本单位不适用此项，请重新选择。",
	ChoiceRefused:          "本单位不适用「%s」。「%s」请从以下选项中选择：%s。",
	BtnAllPeriods:          "🗂 %s：全部 %d 期",
	PeriodsHead:            "《%s %s》已开放的各期（共 %d 期%s，新近的在前）：",
	PeriodsPageOf:          "，第 %d/%d 页",
	BtnNewerPeriods:        "◀ 较近的",
	BtnOlderPeriods:        "较早的 ▶",
	NotOpenYet:             "《%s》%s开放填报，届时再来填写。",
	Prefilled:              "已按上一期（或已审定的计划）预先填好，请逐项核对、修改后提交。",
	WithdrawAsk:            "确定撤回《%s》吗？撤回后审核人会收到通知，修改后须重新提交。",
	BtnConfirmWithdraw:     "确认撤回",
	RedoOwnForwarded:       "本表已上报，不能再改。如需修改，请先撤回上报（/forward），或请上级退回。",
	RedoOwnDone:            "《%s》已改回草稿，可以重新填写。",
	NothingOwnDone:         "已报送《%s》：本级无。本表随本单位上报一并报送，无需审核；如需补报，可在该表中点「重新填写」。",
	BtnBackToReviewRow:     "返回核对页",
	RowDeletedName:         "%s「%s」（已删除）",
	FixedNone:              "这一项已经处理好了。",
	StatusLineHead:         "本单位各表：",
	HelpReviewer:           "本单位的表格由%s审核，有疑问请先联系审核人：%s。",
	HelpNoReviewer:         "本单位的表格由%s审核（审核人尚未在本机器人登记）。",
	ReplaceAsk:             "您在提示处输入了新的内容。要把「%s」改为「%s」吗？",
	BtnReplaceWith:         "✅ 改为「%s」",
	NudgeDone:              "📣 已向 %d 个逾期单位发出催报（%d 条消息）。",
	NudgeNone:              "没有可以催报的逾期单位（逾期单位都没有联系人，或刚催报过）。",
	NudgeRecent:            "一小时内已催报过，这次没有再发：%s。",
	BtnFlagInside:          "选择具体项目…",
	BtnBackToUnits:         "返回单位列表",
	ReturnAskUnits:         "退回%s《%s》汇总\n理由：%s\n\n请勾选需要修改的单位（整表），或点「选择具体项目」勾选某个单位的具体行或项目；不勾选则整个汇总重新核对。然后点「确认退回」：",
	ReturnAskInside:        "勾选%s需要修改的项目（理由：%s）：",
	FlagUnit:               "%s（第 %d 版）",
	BtnPassOn:              "↩️ 转给%s修改",
	WholePackage:           "整个汇总",
	ReopenGone:             "这次退回已经处理过了（已重新上报或撤回），不能再转给下级。",
	ReopenDone:             "已把《%[2]s》转回%[1]s修改，并附上了退回理由。修改后请审核通过，再重新上报。",
	PassedOnReason:         "%s退回：%s",
	CannotWithdrawPackage:  "这份汇总已被审核或不在待审状态，不能撤回。",
	PackageWithdrawnNotice: "%s 撤回了《%s》汇总（第 %d 次上报），修改后会重新上报。",
	PackageWithdrawnDone:   "已撤回《%s》汇总（第 %d 次上报）。",
	BtnWithdrawPackage:     "↩️ 撤回上报 %s",
	AndMore:                " 等 %d 个",
	NotAName:               "「%s」请填写姓名，不能有数字或邮箱；电话请填在联系方式一项。",
	PatternMismatch:        "「%s」的格式不对，请核对后重新输入。",
	SoftAbove:              "「%s」%s %s，超过通常的 %s %s，请核对单位和数字；无误请确认。",
	SoftBelow:              "「%s」%s %s，低于通常的 %s %s，请核对单位和数字；无误请确认。",
	ForwardState:           "\n  第 %d 次上报：%s",
	ForwardNotSubmitted:    "\n  未提交 %d 个：%s",
	ForwardLine:            "\n\n%s：已审核通过 %d/%d",
}

// Desk is the catalogue's part for the reviewer's desk: the queue of what
// waits for a decision, one item in full, 全部通过.
var Desk = struct {
	ItemForm                string
	ItemPackage             string
	ItemBy                  string
	WaitedDays              string
	WaitedHours             string
	WaitedJust              string
	BtnViewItem             string
	PendingOwn, PendingHead string
	BtnPackageXLSX          string
	PackageSheetSent        string
	PendingForms            string
	PendingPackages         string
	BtnQueue                string
	PackageTotals           string
	PackageChangesSince     string
	PackageUnitAdded        string
	PackageUnitChanged      string
	PackageUnitDropped      string
	TableRowsFilled         string
	QueueEmpty              string
	BatchOneByOne           string
	QueueHead               string
	BtnPrevPage             string
	BtnNextPage             string
	BtnApproveAll           string
	BatchAsk                string
	BatchHasWarnings        string
	BatchNothingLeft        string
	BtnConfirmApproveAll    string
	BatchDone               string
	BatchSkipped            string
	BtnBackToQueue          string
	ItemWarnings            string
	HandledBy               string
	VerbApproved            string
	VerbReturned            string
	VerbWithdrawn           string
	VerbSubmitted           string
	BtnOpenFile             string
	FileSent                string
}{
	ItemForm:             "%s《%s》第 %d 版",
	ItemPackage:          "%s《%s》汇总（第 %d 次上报）",
	ItemBy:               "%s提交",
	WaitedDays:           "已等待 %d 天",
	WaitedHours:          "已等待 %d 小时",
	WaitedJust:           "刚提交",
	BtnViewItem:          "📄 %s %s",
	PendingHead:          "📥 待您审核：",
	PendingForms:         "下级表格 %d 份",
	PendingOwn:           "本级表格 %d 份",
	BtnPackageXLSX:       "📊 %s 汇总表（XLSX）",
	PackageSheetSent:     "📊 %s《%s》第 %d 次上报的汇总表",
	PendingPackages:      "上报汇总 %d 份",
	BtnQueue:             "📥 全部待审（%d 份）",
	PackageTotals:        "合计：",
	PackageChangesSince:  "与第 %d 次上报相比：",
	PackageUnitAdded:     "新增 %s（第 %d 版）",
	PackageUnitChanged:   "%s 第 %d 版 → 第 %d 版：%s",
	PackageUnitDropped:   "不再包含 %s",
	TableRowsFilled:      "%s 已填 %d/%d 行",
	QueueEmpty:           "目前没有待您审核的表格。",
	QueueHead:            "📥 待您审核 %d 份（第 %d/%d 页，最早提交的在前）：",
	BtnPrevPage:          "◀ 上一页",
	BtnNextPage:          "下一页 ▶",
	BtnApproveAll:        "✅ 全部通过（本页 %d 份）",
	BatchAsk:             "确认一次通过以下 %d 份？通过后不能再修改。",
	BatchHasWarnings:     " ⚠️ 有填报人已确认的提示，请先查看",
	BatchNothingLeft:     "这些表格已经处理过了。",
	BtnConfirmApproveAll: "✅ 确认通过 %d 份",
	BatchDone:            "✅ 已通过 %d 份。",
	BatchSkipped:         "另有 %d 份已由他人处理或已撤回，未作改动。",
	BatchOneByOne:        "有 %d 份须在通过时填写核定数等内容，请逐份点「✅ 通过」。",
	BtnBackToQueue:       "返回待审列表",
	ItemWarnings:         "填报人已确认的提示（请留意）：",
	HandledBy:            "已由%s于 %s %s。",
	VerbApproved:         "通过",
	VerbReturned:         "退回",
	VerbWithdrawn:        "撤回",
	VerbSubmitted:        "提交",
	BtnOpenFile:          "📎 查看原文：%s",
	FileSent:             "📎 %s（%s《%s》）",
}

// ParseMessage explains why a typed answer was refused, for the field of
// that label, unit and example.
func ParseMessage(label, unit, example string, err error) string {
	pe, ok := err.(*parse.Error)
	if !ok {
		return fmt.Sprintf("「%s」的答案无法识别，请重新输入。", label)
	}
	switch pe.Code {
	case parse.Empty:
		return fmt.Sprintf("「%s」不能为空，请输入。", label)
	case parse.NotNumber:
		return fmt.Sprintf("「%s」需要填写阿拉伯数字，例如 %s。", label, exampleOr(example, "12"))
	case parse.Approximate:
		return fmt.Sprintf("「%s」需要一个确切的数字，不能是「约」「左右」「余」之类的估计，请填写具体数字。", label)
	case parse.Range:
		return fmt.Sprintf("「%s」只能填写一个数字，不能填写范围。", label)
	case parse.Negative:
		return fmt.Sprintf("「%s」不能为负数。", label)
	case parse.NotInteger:
		return fmt.Sprintf("「%s」需要填写整数。", label)
	case parse.TooManyDecimals:
		return fmt.Sprintf("「%s」最多保留 %d 位小数。", label, pe.Limit)
	case parse.BadGrouping:
		return fmt.Sprintf("「%s」的千分位逗号位置不对，请直接输入数字，例如 12345。", label)
	case parse.WrongUnit:
		if unit == "亩" && strings.Contains(pe.Unit, "平") || pe.Unit == "㎡" || pe.Unit == "m2" || pe.Unit == "m²" {
			return fmt.Sprintf("「%s」的单位是亩，请换算成亩后填写（1 亩 ≈ 666.67 平方米）。", label)
		}
		return fmt.Sprintf("「%s」的单位是%s，不能用「%s」。", label, unitOr(unit), pe.Unit)
	case parse.LooksLikeSquareMetres:
		return fmt.Sprintf("「%s」的单位是万平方米，您输入的数字看起来是平方米。请输入万平方米数（如 6），或带上单位（如 60000平方米）。", label)
	case parse.BadYearMonth:
		return fmt.Sprintf("「%s」需要年月，例如 2019-06、2019年6月 或 19年6月。", label)
	case parse.BadDate:
		return fmt.Sprintf("「%s」需要日期，例如 2018-09-15 或 2018年9月15日。", label)
	case parse.BadPhone:
		return fmt.Sprintf("「%s」需要 11 位手机号，或带区号的固定电话（如 0571-87059132，可加分机）。", label)
	case parse.PhoneNeedsAreaCode:
		return fmt.Sprintf("「%s」是固定电话时请带上区号，例如 0571-87059132。", label)
	case parse.BadYesNo:
		return fmt.Sprintf("「%s」请回答「是」或「否」。", label)
	case parse.SpacedDigits:
		return fmt.Sprintf("「%s」的数字中间有空格，请连续输入一个数字，例如 %s。", label, exampleOr(example, "12"))
	case parse.ConvertedTooPrecise:
		return fmt.Sprintf("「%s」换算后是 %s %s，本项最多保留 %d 位小数，请直接按%s填写（四舍五入后的数字）。", label, pe.Value, unitOr(unit), pe.Limit, unitOr(unit))
	case parse.BadMonth:
		return fmt.Sprintf("「%s」的月份应为 1–12。", label)
	case parse.BadDay:
		return fmt.Sprintf("「%s」的日期不存在：%d 月没有这一天。", label, pe.Limit)
	case parse.MobileLength:
		return fmt.Sprintf("「%s」：手机号应为 11 位，您输入了 %d 位，请核对。", label, pe.Limit)
	case parse.TooManyPhones:
		return fmt.Sprintf("「%s」最多填两个号码（如固定电话和手机各一个），用「、」隔开。", label)
	case parse.UnknownUnit:
		if unit == "" {
			return fmt.Sprintf("「%s」只填数字，不认识「%s」，请去掉后重新输入，例如 %s。", label, pe.Unit, exampleOr(example, "12"))
		}
		return fmt.Sprintf("「%s」的单位是%s，不认识「%s」。请按%s填写数字，例如 %s。", label, unit, pe.Unit, unit, exampleOr(example, "12"))
	case parse.BadCharacter:
		switch pe.Value {
		case "o", "O", "〇", "○":
			return fmt.Sprintf("「%s」中的「%s」不是数字 0，请改用数字 0 重新输入。", label, pe.Value)
		case "l", "I", "i":
			return fmt.Sprintf("「%s」中的「%s」不是数字 1，请改用数字 1 重新输入。", label, pe.Value)
		}
		return fmt.Sprintf("「%s」中的「%s」不是数字，请只用阿拉伯数字重新输入，例如 %s。", label, pe.Value, exampleOr(example, "12"))
	case parse.LandlineLength:
		return fmt.Sprintf("「%s」：区号 %s 的固定电话号码应为 %d 位（不含区号），请核对。", label, pe.Value, pe.Limit)
	case parse.TooLarge:
		return fmt.Sprintf("「%s」的数字太大：整数部分最多 %d 位（不超过 %s），请核对单位或数字。", label, pe.Limit, strings.Repeat("9", pe.Limit))
	}
	return fmt.Sprintf("「%s」的答案无法识别，请重新输入。", label)
}

func exampleOr(example, def string) string {
	if example != "" {
		return example
	}
	return def
}

func unitOr(u string) string {
	if u == "" {
		return "数字"
	}
	return u
}

// Texts are the sentences of the transports (the Telegram bot, the console)
// that are not part of a form's dialog: they live in this catalogue too.
var Texts = struct {
	Stranger, InviteUnknown, InviteUsed, InviteExpired, InviteWelcome string
	FileTooBigForBot, FileDownloadFailed, NotPrivate                  string
	Busy, DiskFull, GroupNote                                         string
	ConsoleNoFile, ConsoleNotAFile, ConsoleInviteLink                 string
	ConsoleLineTooLong, ConsoleAmbiguous, ConsoleNoSuchButton         string
	InviteChooseUnit, InviteChooseRole, InviteLink, InviteNotAllowed  string
	InviteOnlyReviewers                                               string
	RoleFiller, RoleReviewer, RoleAdmin                               string
	CommandStart, CommandStatus, CommandBack, CommandSkip             string
	CommandCancel, CommandHelp, CommandInvite                         string
	CommandSummary, CommandExport, ExportOnlyReviewers, ExportCaption string
	CommandExtend, CommandForward, ChartCaption                       string
	ExportWritten                                                     string
	ReminderHead, ReminderNotStarted, ReminderReturned                string
	ReminderProgress, ReminderDaysLeft, ReminderToday                 string
	ReminderOverdue, ReminderOpen, DigestText, UnreachableNotice      string
	DigestUninvited, DigestNudge, DigestDetails                       string
}{
	Stranger:            "您好！这是省小微企业园工作联席会议办公室的填报机器人，只为受邀的各地联系人服务。如需填报，请向本市或省里的审核人索取邀请链接，点击链接即可开始。",
	InviteUnknown:       "这个邀请链接无效。请向发出邀请的同事重新索取。",
	InviteUsed:          "这个邀请链接已经被使用过了。每个链接只能使用一次，请向发出邀请的同事重新索取。",
	InviteExpired:       "这个邀请链接已过期。请向发出邀请的同事重新索取。",
	InviteWelcome:       "欢迎！您已登记为%s的%s。",
	FileTooBigForBot:    "文件太大（%s）。机器人只能接收 20 MB 以内的文件，请压缩或拆分后再发送。",
	FileDownloadFailed:  "文件没有收到，请再发送一次。",
	NotPrivate:          "请在与机器人的私聊中填报。",
	Busy:                "正在处理，请稍候。系统暂时繁忙，您刚才的操作会自动完成，不必重发。",
	DiskFull:            "系统存储空间已满，正在等待管理员处理。您刚才的操作会在恢复后自动完成，不必重发。",
	GroupNote:           "本机器人不在群里填报。请点开机器人的头像，在与它的私聊中填报。",
	ConsoleNoFile:       "找不到或无法读取文件「%s」。",
	ConsoleInviteLink:   "在 Telegram 中向本机器人发送：/start %s",
	ConsoleLineTooLong:  "这一行超过 %d KB，没有处理。请输入较短的内容，文件请用 /file 上传。",
	ConsoleNotAFile:     "「%s」不是普通文件，不能上传。",
	ConsoleAmbiguous:    "这几个按钮都以此开头，请输入完整的名称或编号：%s",
	ConsoleNoSuchButton: "没有 [%s.%s] 这个按钮。",
	InviteChooseUnit:    "要邀请哪个单位的联系人？",
	InviteChooseRole:    "邀请%s的：",
	InviteLink:          "请把下面的邀请链接发给%s的%s（%s前有效，只能使用一次）：\n%s",
	InviteNotAllowed:    "您只能邀请本单位及下级单位的联系人。",
	InviteOnlyReviewers: "只有审核人可以邀请联系人。如需增加本单位的填报人，请联系上级审核人。",
	RoleFiller:          "填报人",
	RoleReviewer:        "审核人",
	RoleAdmin:           "管理员",
	CommandStart:        "首页：各表状态",
	CommandStatus:       "填报状态",
	CommandBack:         "回到上一项",
	CommandSkip:         "跳过选填项",
	CommandCancel:       "离开此表（草稿保留）",
	CommandHelp:         "帮助与联系方式",
	CommandInvite:       "邀请联系人（审核人）",
	CommandSummary:      "下级单位填报进度（审核人）",
	CommandExport:       "导出汇总表 XLSX（审核人）",
	CommandExtend:       "申请延期",
	ChartCaption:        "📈 %s 各单位填报进度",
	CommandForward:      "向上级上报汇总（审核人）",
	ExportOnlyReviewers: "只有审核人和管理员可以导出汇总表。",
	ExportCaption:       "%s《%s》汇总表（已通过的数据），%s 导出",
	ExportWritten:       "已保存：%s",
	ReminderHead:        "⏰ 填报提醒：%s\n以下表格尚未提交：",
	ReminderNotStarted:  "未开始",
	ReminderReturned:    "已退回，请按审核意见修改后重新提交",
	ReminderProgress:    "已填 %d/%d",
	ReminderDaysLeft:    "截止 %s，还剩 %d 天",
	ReminderToday:       "今天截止（%s）",
	ReminderOverdue:     "截止 %s，已逾期 %d 天",
	ReminderOpen:        "填写 %s",
	DigestText:          "⚠️ %s：%d 个%s逾期未报",
	DigestUninvited:     "没有联系人、收不到提醒的 %d 个（请用 /invite 邀请）：%s",
	DigestNudge:         "📣 催报",
	DigestDetails:       "⏰ 逾期与联系人",
	UnreachableNotice:   "⚠️ %s的联系人（%s）已屏蔽填报机器人，收不到提醒和通知。请联系其重新打开机器人，或邀请其他联系人。",
}

// ReportTexts are the words of /summary and of the exported tables.
var ReportTexts = struct {
	MatrixForms, MatrixLegend, MatrixLegendPackages, MatrixLate    string
	MatrixNobody, MatrixLateCount, BtnFormDetails, BtnChart        string
	BtnLate, BtnNudge, BtnBackToSummary, LateHead, NobodyLate      string
	ChartOwn, ChartTitle, BlockedMark                              string
	Dash, Item, OwnLevel, DetailSheet, StatusSheet                 string
	PkgApproved, PkgSubmitted, PkgReturned, PkgNone                string
	PeriodsSheet, Unit, SubmittedAt, ReviewedBy                    string
	ReviewedAt, TimesReturned, WarningsOpen, Period                string
	SummaryHead, SummaryChildren, SummaryChild, SummaryChildLate   string
	SummaryLevel, SummaryDueIn, SummaryDueToday, SummaryDuePast    string
	SummaryLate, SummaryLateMore, SummaryTotals, SummaryRows       string
	Stamp                                                          string
	Total, CityTotal, Seq, Area, State, Section, FilesDir          string
	BreakdownSheet, BreakdownTitle, BreakdownTotal, BreakdownCount string
	// Printing (reports/print.go) and the 填报情况 sheet.
	Continued, PageFooter, StatusTally, StatusReturns, StatusWarnings string
}{
	Continued:            "（续）",
	PageFooter:           "&C&A　第 &P 页，共 &N 页",
	StatusTally:          "已通过／应填",
	StatusReturns:        "退回%d次",
	StatusWarnings:       "已确认提示%d条",
	MatrixForms:          "各表依次为：%s",
	MatrixLegend:         "✅已通过 ⏳待审核 ↩️已退回 📝草稿 ⬜未开始 ➖不需填 ❗逾期",
	MatrixLegendPackages: "各表上报：✅已通过 ⏳待审核 ↩️已退回 📤已审核未上报 ⬜未上报；其后为已通过的表数",
	MatrixLate:           "  ❗逾期 %d",
	MatrixNobody:         "  （未邀请）",
	MatrixLateCount:      "逾期单位 %d 个，未邀请联系人的单位 %d 个",
	BtnFormDetails:       "📋 各表明细",
	BtnChart:             "📈 进度图",
	BtnLate:              "⏰ 逾期与联系人（%d）",
	BtnNudge:             "📣 催报逾期单位",
	BtnBackToSummary:     "返回进度",
	LateHead:             "⏰ %s 逾期未报（%s）：",
	NobodyLate:           "没有逾期未报的单位。",
	ChartOwn:             "（本级）",
	Dash:                 "——",
	Item:                 "项目",
	OwnLevel:             "本级",
	PkgApproved:          "已上报·通过",
	PkgSubmitted:         "已上报",
	PkgReturned:          "上报被退回",
	PkgNone:              "未上报",
	DetailSheet:          "明细",
	StatusSheet:          "填报情况",
	PeriodsSheet:         "各期",
	Unit:                 "单位",
	SubmittedAt:          "提交时间",
	ReviewedBy:           "审核人",
	ReviewedAt:           "审核时间",
	TimesReturned:        "退回次数",
	WarningsOpen:         "已确认的提示",
	Period:               "期别",
	BlockedMark:          "（已屏蔽机器人）",
	ChartTitle:           "%s 填报进度（截至 %s）",
	SummaryHead:          "📊 %s 填报进度\n截至 %s",
	SummaryChildren:      "\n\n各%s：",
	SummaryChild:         "\n%s：已通过 %d/%d",
	SummaryChildLate:     "，逾期 %d",
	SummaryLevel:         "%s：%s（共 %d）",
	SummaryDueIn:         "，截止 %s，还剩 %d 天",
	SummaryDueToday:      "，今天（%s）截止",
	SummaryDuePast:       "，截止 %s，已过 %d 天",
	SummaryLate:          "逾期未报 %d 个：%s%s",
	SummaryLateMore:      " 等 %d 个",
	SummaryTotals:        "合计（已通过）：",
	SummaryRows:          "%s%d 个%s",
	Stamp:                "{unit.name}（盖章）", // stamp: true in a campaign file: an expression of the unit, see campaign/sheet.go
	Total:                "总计",
	CityTotal:            "%s总计",
	Seq:                  "序号",
	Area:                 "所属地区",
	State:                "状态",
	Section:              "部分",
	FilesDir:             "文件",
	BreakdownSheet:       "按下级",
	BreakdownTitle:       "%s（%s按下级汇总）",
	BreakdownTotal:       "合计",
	BreakdownCount:       "%s数（个）",
}

// StateName is a form's state for people: approved, submitted, returned,
// draft, or none (not started).
func StateName(state string) string {
	switch state {
	case "pkg_approved":
		return ReportTexts.PkgApproved
	case "pkg_submitted":
		return ReportTexts.PkgSubmitted
	case "pkg_returned":
		return ReportTexts.PkgReturned
	case "pkg_ready":
		return LateTexts.PkgReady
	case "pkg_none", "pkg_withdrawn":
		return ReportTexts.PkgNone
	case "exempt", "pkg_exempt":
		return Signoff.StateExempt
	case "not_received", "pkg_not_received":
		return Signoff.StateNotReceived
	case "na":
		return "—"
	}
	switch state {
	case "approved":
		return Chat.StatusApproved
	case "submitted":
		return Chat.StatusSubmitted
	case "returned":
		return Chat.StatusReturned
	case "draft":
		return Chat.StatusDraftPlain
	}
	return Chat.StatusNotStarted
}

// Web is what the engine answers the desk's page.
var Web = struct {
	ReviewInChat, NoReason, GoToSent string
}{
	ReviewInChat: "此表通过时须填写核定数等内容，请在对话中点「✅ 通过」。",
	NoReason:     "退回须写明理由。",
	GoToSent:     "已在对话中打开，请回到对话修改。",
}

// DeskTexts are the desk's page's words (the Mini App): the page is sent
// with them, so that what it says is said here with everything else.
var DeskTexts = map[string]string{
	"title":          "填报工作台",
	"button":         "📊 打开工作台",
	"menuButton":     "工作台",
	"tabDesk":        "进度",
	"tabQueue":       "待审核",
	"tabTrend":       "趋势合计",
	"tabExport":      "导出",
	"tabMine":        "本单位",
	"loading":        "加载中…",
	"asOf":           "截至 %s",
	"unitCol":        "单位",
	"own":            "本级",
	"late":           "逾期",
	"lateUnits":      "逾期单位 %d 个",
	"owes":           "本级未上报：",
	"noLate":         "没有逾期单位",
	"units":          "%d 个单位",
	"due":            "%s截止",
	"hint":           "点单位名看下级，点格子看报表。",
	"counts":         "各状态单位数",
	"back":           "‹ 返回",
	"queueEmpty":     "没有待您审核的报表。",
	"approve":        "✅ 通过",
	"return":         "↩️ 退回",
	"reason":         "退回理由（必填，填报人会看到）",
	"flags":          "需要修改的项目（可多选）",
	"sendReturn":     "确认退回",
	"cancel":         "取消",
	"inChat":         "此表通过时须填写核定数等内容，请回到对话中审核。",
	"openChat":       "回到对话",
	"figures":        "查看全部数据",
	"version":        "第 %d 版",
	"history":        "经过",
	"changes":        "与第 %d 版相比：",
	"noData":         "尚未填写。",
	"waiting":        "待您审核",
	"trend":          "每日进度",
	"inHand":         "已交（含已通过）",
	"approvedLine":   "已通过",
	"ofTotal":        "共 %d 张表",
	"noEvents":       "还没有单位提交。",
	"chart":          "各单位进度",
	"totals":         "已通过数据合计",
	"noTotals":       "还没有可合计的数据。",
	"exportNote":     "导出 %s 及下级已接收的数据，与 /export 相同。",
	"exportAll":      "全部表 XLSX",
	"exportZip":      "附件包 ZIP（表格与上传的文件）",
	"progress":       "已填 %s 项",
	"fieldsTitle":    "在对话中修改：",
	"edit":           "去修改",
	"openForm":       "在对话中填写此表",
	"rowLabel":       "%s 第 %d 个%s「%s」",
	"submittedNote":  "已提交，待上级审核；如需修改请在对话中撤回。",
	"noForms":        "本单位目前没有要填的表。",
	"expired":        "登录已失效，请从机器人重新打开工作台。",
	"noInitData":     "请从 Telegram 机器人的「工作台」按钮或企业微信的应用打开此页。",
	"failed":         "出错了：%s",
	"downloadNote":   "文件在点击时生成，交由 Telegram 下载；下载链接 10 分钟内有效，只能用几次，不含您的登录信息。",
	"reasonRequired": "退回须写明理由。",
	"forbidden":      "您无权查看这个单位。",
	"notFound":       "没有这张表或这个单位。",
	"reviewersOnly":  "工作台的进度表供审核人使用。",
	"badRequest":     "请求无法识别。",
	"csvOneForm":     "CSV 须选一张表。",
	"badFormat":      "格式须为 xlsx、csv 或 zip。",
	"chartFile":      "进度.png",
	"foreignOrigin":  "请求来自工作台以外的网页，已拒绝。",
	"linkGone":       "下载链接已过期或已用过。请回到工作台重新点击下载。",
	"scrollHint":     "表格较宽，左右滑动查看全部 %d 列",
	"noRows":         "（本部分没有内容）",
	"returnedBy":     "↩️ %s %s 退回修改",
	"reasonLabel":    "理由：",
	"toFix":          "需修改：",
	"wholeForm":      "整表",
	"otherFields":    "其他项目：",
	"fill":           "去填写",
	"startForm":      "在对话中开始填写",
	"pick":           "选择",
	"pickAll":        "全选",
	"warned":         "⚠️ 有填报人已确认的提示，请先查看",
	"approveChosen":  "✅ 全部通过（已选 %d 份）",
	"batchAsk":       "确认一次通过以下 %d 份？通过后不能再修改。",
	"confirmChosen":  "✅ 确认通过 %d 份",
	"preparing":      "正在生成文件…",
	"downloading":    "已交给 Telegram 下载：%s",
	"dlCancelled":    "已取消下载。",
	"downloadOpened": "已在浏览器中打开下载链接（%s，%s 前有效）。",
}

// DeskStates are the desk's words for every state a cell can be in.
func DeskStates() map[string]string {
	out := map[string]string{}
	for _, s := range []string{"none", "draft", "submitted", "returned", "approved", "exempt", "not_received",
		"pkg_none", "pkg_ready", "pkg_submitted", "pkg_approved", "pkg_returned", "pkg_exempt", "pkg_not_received", "na"} {
		out[s] = StateName(s)
	}
	return out
}

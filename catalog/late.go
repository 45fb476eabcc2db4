package catalog

// LateTexts are the words of what is late, at every level: a return not
// submitted, a package not forwarded (已审核未上报), the deadlines and whose
// forms they are, in /summary, the desk, the digests and the reminders.
var LateTexts = struct {
	PkgReady                                         string
	DeadlineLevel, DeadlineIn, DeadlineToday         string
	DeadlinePast                                     string
	OwnPackages, OwnPackage                          string
	LateDays, LateLine, LateBelow, LateBelowOnly     string
	LateUninvited, UninvitedOnly, LateMore           string
	PackageTag, PackageReadyTag, PackageReturnedTag  string
	PackageLevel                                     string
	PackageReminderHead, PackageReminderReady        string
	PackageReminderPartial, PackageReminderReturned  string
	PackageReminderForward, PackageReminderLateBelow string
	DigestLate, DigestMore                           string
	PeriodSep                                        string
}{
	PkgReady:                 "已审核未上报",
	DeadlineLevel:            "%s：%s",
	DeadlineIn:               "%s %s截止（还剩 %d 天）",
	DeadlineToday:            "%s 今天（%s）截止",
	DeadlinePast:             "%s %s截止（已过 %d 天）",
	OwnPackages:              "📤 本级向%s上报：%s",
	OwnPackage:               "%s %s（截止 %s%s）",
	LateDays:                 "，已逾期 %d 天",
	LateLine:                 "\n%d. %s（%s）%s— %s",
	LateBelow:                "\n   下级逾期 %d 个：%s",
	LateBelowOnly:            "\n%d. %s：下级逾期 %d 个：%s",
	LateUninvited:            "\n\n没有联系人、收不到提醒的 %d 个（请用 /invite 邀请）：%s",
	UninvitedOnly:            "\n\n尚未邀请联系人的单位（%d 个，收不到提醒，请用 /invite 邀请）：%s",
	LateMore:                 "\n……另有 %d 个，请按「⏰ 逾期与联系人」查看",
	PackageTag:               "未上报",
	PackageReadyTag:          "已审核未上报",
	PackageReturnedTag:       "上报被退回",
	PackageLevel:             "%s上报：%s（共 %d）",
	PackageReminderHead:      "⏰ 上报提醒：%s\n以下表格尚未上报%s：",
	PackageReminderReady:     "已审核，可以上报",
	PackageReminderPartial:   "已审核通过 %d/%d（其余尚未提交或待您审核）",
	PackageReminderReturned:  "%s退回，请转下级修改、审核后重新上报",
	PackageReminderForward:   "📤 上报 %s",
	PackageReminderLateBelow: "⏰ 下级逾期与联系人",
	DigestLate:               "逾期 %d 天 ",
	DigestMore:               "\n……另有 %d 个逾期单位，请按「⏰ 逾期与联系人」查看",
	PeriodSep:                "、",
}

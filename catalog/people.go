package catalog

// People is what is said about a person's places: the list /start shows to
// someone who holds roles in several campaigns or units, the first line that
// names the campaign of a message, and the roster (who holds a role in a
// unit, invited once for every campaign over those units).
var People = struct {
	PlacesHead, PlaceLine, PlaceCurrent, PlaceNothing                    string
	PlaceWaits, PlaceToFill, PlaceReturned, PlaceToReview                string
	PlaceDue, PlaceDueToday, PlaceOverdue, PlaceChoose                   string
	PlaceEnter, PlaceSwitch, Heading, HeadingUnit                        string
	NotYourPlace, PlacesReached, PlaceGone                               string
	RemindersHead                                                        string
	RosterTitle, RosterNobody, RosterPerson, RosterShared                string
	RosterRemove, RosterReplace, RosterConfirmRemove                     string
	RosterConfirmReplace, RosterRemoved, RosterReplaced                  string
	RosterYes, RosterNo, RosterGone, RosterNotAllowed                    string
	RosterYouLeft, Joined, JoinedOpen, RosterEverywhere, RosterCampaigns string
}{
	PlacesHead:    "您在 %d 处有填报职责：",
	PlaceLine:     "%d. 〔%s〕%s · %s%s",
	PlaceCurrent:  "（当前）",
	PlaceNothing:  "暂无待办",
	PlaceWaits:    "待办：%s",
	PlaceToFill:   "待填 %d 份",
	PlaceReturned: "其中退回 %d 份",
	PlaceToReview: "待审核 %d 份",
	PlaceDue:      "最近截止 %s（还剩 %d 天）",
	PlaceDueToday: "最近截止 %s（今天）",
	PlaceOverdue:  "最近截止 %s（已逾期 %d 天）",
	PlaceChoose:   "请选择要进入的填报：",
	PlaceEnter:    "%s · %s",
	PlaceSwitch:   "🔀 切换填报（共 %d 处）",
	Heading:       "〔%s〕",
	HeadingUnit:   "〔%s · %s〕",
	NotYourPlace:  "此按钮不属于您的填报，未执行。",
	PlacesReached: "您在以下填报中也已登记为同样的职责，无需再次邀请：%s",
	PlaceGone:     "您在该处的职责已被移除，按钮已失效。",
	RemindersHead: "📅 今日提醒（%d 处填报）",

	RosterTitle:          "%s的联系人：",
	RosterNobody:         "（尚无联系人）",
	RosterPerson:         "· %s（%s）",
	RosterShared:         "同一单位的联系人在各次填报中通用：邀请一次即可，移除也对所有填报生效。",
	RosterRemove:         "移除 %s",
	RosterReplace:        "更换 %s",
	RosterConfirmRemove:  "确定把%s从%s的%s中移除吗？%s",
	RosterConfirmReplace: "确定更换%s的%s%s吗？%s移除后会生成新的邀请链接，请发给接替的人。",
	RosterRemoved:        "已把%s从%s的%s中移除（%s）。",
	RosterReplaced:       "已把%s从%s的%s中移除（%s）。请把下面的邀请链接发给接替的人（%s前有效，只能使用一次）：\n%s",
	RosterEverywhere:     "此人在该单位各次填报中的职责将一并移除。",
	RosterCampaigns:      "涉及 %d 项填报，已记入操作日志",
	RosterYes:            "✅ 确定",
	RosterNo:             "取消",
	RosterGone:           "此人已不在该单位的联系人中。",
	RosterNotAllowed:     "您只能管理本单位及下级单位的联系人。",
	RosterYouLeft:        "您已不再是%s的%s（由%s移除）。",
	Joined:               "新的填报已开始：《%s》。您是%s的%s，沿用已有的登记，无需再次邀请。",
	JoinedOpen:           "进入",
}

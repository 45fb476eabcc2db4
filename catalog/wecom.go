package catalog

// WeCom is what the WeCom (企业微信) channel says of its own: its cards'
// buttons and the pages of its sign-in and invitations.
var WeCom = struct {
	Unreachable, More, Pressed, Choose, ChooseByNumber             string
	OpenDesk, NoFiles, SignInFailed, SignInNotMember               string
	SignInStranger, InviteDone, InviteBack, PageTitle              string
	EnrolWelcome, AttachOnDesk, CardTitle, PageExpired             string
	InviteLinkLine, OptionLine, UnknownNumber, ExportOnDesk, Start string
}{
	Unreachable:     "⚠️ %s的联系人（%s）已不在企业微信通讯录或应用可见范围内，收不到提醒和通知。请确认其账号，或邀请其他联系人。",
	More:            "更多 ▸",
	Pressed:         "已选择",
	Choose:          "请选择",
	ChooseByNumber:  "（点下方按钮，或回复编号）",
	OpenDesk:        "在工作台中查看",
	NoFiles:         "企业微信中暂不能上传文件。需要上传文件的项目，请由本单位在 Telegram 的填报机器人中上传。",
	SignInFailed:    "登录没有成功：企业微信的授权码无效、已用过或已过期。请从企业微信的应用中重新打开。",
	SignInNotMember: "只有本单位企业微信通讯录中的成员可以打开。",
	SignInStranger:  "您还没有被登记为任何单位的联系人。请向本市或省里的审核人索取邀请链接。",
	InviteDone:      "欢迎！您已登记为%s的%s。",
	InviteBack:      "请回到企业微信中的“%s”应用继续。",
	PageTitle:       "填报",
	EnrolWelcome:    "您已被登记为%s的%s，今后的填报、审核和提醒都在这里。",
	AttachOnDesk:    "📎 文件请在工作台下载：",
	CardTitle:       "请选择",
	PageExpired:     "登录已过期，请从企业微信的应用中重新打开。",
	InviteLinkLine:  "企业微信中打开：%s",
	OptionLine:      "%d. %s",
	UnknownNumber:   "没有编号为 %s 的选项。",
	Start:           "开始使用",
	ExportOnDesk:    "汇总表（XLSX、CSV）和附件请在工作台的“导出”中下载。",
}

package dialogs_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"tianbao/campaign"
	"tianbao/campaigns"
	"tianbao/dialogs"
	"tianbao/dialogs/dialogtest"
)

// TestWhatPeopleTypeIsToldPrecisely: the trial's inputs that were refused
// with a vague message, or accepted though wrong, and the campaign file's
// new checks (a person's name, a pattern).
func TestWhatPeopleTypeIsToldPrecisely(t *testing.T) {
	c := builtin(t)
	tests := []struct {
		form, section, field, input, want string
	}{
		{"a2", "completed", "land", "8万方", "「计划用地（亩）」的单位是亩，不认识「万方」。请按亩填写数字，例如 50。"},
		{"a2", "completed", "land", "6O亩", "「计划用地（亩）」中的「o」不是数字 0，请改用数字 0 重新输入。"},
		{"a2", "completed", "land", "280000元/亩", "「计划用地（亩）」的单位是亩，不认识「元/亩」。请按亩填写数字，例如 50。"},
		{"a3", "main", "built", "5家园区", "「新建成（家）」的单位是家，不认识「家园区」。请按家填写数字，例如 5。"},
		{"a2", "completed", "finish", "2019年6月底", "2019-06"},
		{"a2", "completed", "finish", "2019年6月下旬", "2019-06"},
		{"a1", "main", "phone", "0571-8705913", "「联系方式」：区号 0571 的固定电话号码应为 8 位（不含区号），请核对。"},
		{"a1", "main", "phone", "0572-2123456", "0572-2123456"},
		{"a1", "main", "contact", "13957112233", "「联系人」请填写姓名，不能有数字或邮箱；电话请填在联系方式一项。"},
		{"a1", "main", "convener_name", "王建国 0571-87059132", "「召集人（组长）姓名」请填写姓名，不能有数字或邮箱；电话请填在联系方式一项。"},
		{"a1", "main", "contact", "欧阳·李华", "欧阳·李华"},
		{"a1", "main", "org_name", "西湖区2018联席会议", "西湖区2018联席会议"}, // not a name: digits allowed
	}
	for _, tt := range tests {
		f := c.Form(tt.form).Section(tt.section).Field(tt.field)
		value, problem := campaign.Validate(f, tt.input)
		got := value
		if problem != "" {
			got = problem
		}
		if got != tt.want {
			t.Errorf("%s/%s %q: got %q, want %q", tt.form, tt.field, tt.input, got, tt.want)
		}
	}
}

// TestPatternAndSoftBoundsFromTheFile: a text field's pattern and a
// figure's soft_max are the campaign file's, checked as it loads and used
// in the dialog (a soft bound asks to confirm, never refuses).
func TestPatternAndSoftBoundsFromTheFile(t *testing.T) {
	env := newEnv(t)
	dialogtest.InstallVariant(t, env.DB, "pattern", func(y string) string {
		y = strings.Replace(y, "            example: 西湖区小微企业园工作联席会议", "            example: 西湖区小微企业园工作联席会议\n            pattern: 联席会议|领导小组$\n            pattern_message: 应以「联席会议」或「领导小组」结尾。", 1)
		return y
	})
	c := env.ContactIn("pattern", "330106", "张三")
	c.Say("/start").Press("附件1").Say("西湖区小微企业园工作组").Expect("「机构名称」应以「联席会议」或「领导小组」结尾。", "机构名称（第 1/5 项）")
	c.Say("西湖区小微企业园工作领导小组").Expect("✔ 机构名称：西湖区小微企业园工作领导小组")

	// 1,200 万平方米 of service parks for one county: asked, not refused.
	county := env.Contact("330108", "李四")
	county.Say("/start").Press("附件3").Say("3").Say("0").Say("2").Say("120").Say("45").Say("1").
		Say("１,２００").Expect("建筑面积（万平米）」1200 万平方米，超过通常的 500 万平方米，请核对单位和数字；无误请确认。", "确认无误").
		Press("重新输入").Say("12").ExpectNot("请确认").Expect("入小微园企业数（家）")
}

// TestCampaignFileTextChecksAreChecked: what the loader refuses of them.
func TestCampaignFileTextChecksAreChecked(t *testing.T) {
	for _, bad := range []struct{ edit, want string }{
		{"            example: 西湖区小微企业园工作联席会议\n            pattern: \"联席(会议\"", "is not a regular expression"},
		{"            example: 西湖区小微企业园工作联席会议\n            kind: nickname", `unknown text kind "nickname"`},
		{"            example: 西湖区小微企业园工作联席会议\n            soft_max: 5", "soft_min and soft_max apply to integer and decimal fields only"},
	} {
		src, err := campaigns.Builtin(campaigns.BuiltinID)
		if err != nil {
			t.Fatal(err)
		}
		src.YAML = []byte(strings.Replace(string(src.YAML), "            example: 西湖区小微企业园工作联席会议", bad.edit, 1))
		if _, err := campaign.Load(src); err == nil || !strings.Contains(err.Error(), bad.want) {
			t.Errorf("%q: got %v, want %q", bad.edit, err, bad.want)
		}
	}
}

// TestQuestionsSayThingsOnce: after an answer typed to 附件1, the next
// question does not repeat 附件1 (the question above has it); a press or
// a return to the form shows the head again; a file question refuses text
// with its own sentence, not the question's instruction a second time.
func TestQuestionsSayThingsOnce(t *testing.T) {
	env := newEnv(t)
	c := env.Contact("330106", "张三")
	c.Say("/start").Press("附件1").Expect("附件1\n\n机构名称（第 1/5 项）")
	c.Say("西湖区小微企业园工作联席会议").Expect("✔ 机构名称", "召集人（组长）姓名（第 2/5 项）").ExpectNot("附件1")
	c.Say("王").Expect("至少 2 个字", "召集人（组长）姓名（第 2/5 项）").ExpectNot("附件1")
	c.Say("/cancel").Press("附件1").Expect("附件1\n\n召集人（组长）姓名（第 2/5 项）")

	p := env.Contact("330108", "李四")
	p.Say("/start").Press("政策措施").Press("➕ 添加文件").Say("杭州市小微企业园建设管理办法").Say("杭政办函〔2018〕12号").Say("杭州市人民政府办公厅").Say("2018-09-15").
		Expect("本项需要上传文件")
	p.Say("见附件").Expect("要的是文件，不是文字")
	if n := strings.Count(p.Text(), "本项需要上传文件"); n != 1 {
		t.Errorf("the file instruction is said %d times:\n%s", n, p.Text())
	}
}

// TestHelpFitsTheUnit: the province is not told to call itself, and each
// level is shown the commands it has (the province fills nothing and
// forwards to nobody).
func TestHelpFitsTheUnit(t *testing.T) {
	env := newEnv(t)
	province := env.Reviewer("330000", "陈婧绮")
	province.Say("/help").Expect("由本单位发出", "陈婧绮", "/summary 进度", "/invite 邀请").
		ExpectNot("/forward", "/back", "/extend", "/status", "审核，有疑问请先联系")
	city := env.Reviewer("330100", "赵主任")
	city.Say("/help").Expect("/forward 上报", "/back 上一项", "/extend 申请延期", "/summary 进度").ExpectNot("由本单位发出")
	county := env.Contact("330106", "王芳")
	county.Say("/help").Expect("杭州市审核", "/back 上一项", "/extend 申请延期").ExpectNot("/summary", "/forward")
}

// TestCitySubmitsItsOwnForm: a city's own rows are 审定 by its own
// reviewers; right after submitting, the start screen shows them waiting
// (本级表格), never "nothing waits" followed by a request to review them.
func TestCitySubmitsItsOwnForm(t *testing.T) {
	env := newEnv(t)
	city := env.Reviewer("330100", "赵主任")
	city.Say("/start").Press("附件1").Say("杭州市小微企业园工作联席会议").Say("王建国").Say("副市长").Say("李华").Say("0571-87059132").
		Press("✅ 提交").Expect("已提交《附件1", "📥 待您审核：本级表格 1 份", "1. 杭州市《附件1》第 1 版 · 赵主任提交").ExpectNot("目前没有待您审核的表格")
	city.Say("/start").Expect("📥 待您审核：本级表格 1 份")
	county := env.Contact("330106", "王芳")
	county.SubmitA3("2", "0", "2", "100", "40", "0", "0", "0", "100")
	city.Say("/start").Expect("📥 待您审核：本级表格 1 份 · 下级表格 1 份")
}

// TestHalfFilledRowIsMarked: a park left half-filled is marked 未填完 in
// the section's list, with how many answers it lacks, on its button too.
func TestHalfFilledRowIsMarked(t *testing.T) {
	env := newEnv(t)
	c := env.Contact("330106", "张三")
	c.Say("/start").Press("附件2").Press("➕ 添加园区").Say("西湖创业园").Say("三墩镇 1 号").Press("生产制造类").Say("/cancel")
	c.Press("附件2").Expect("可建成：已填 1 个园区。", "1. 西湖创业园", "（未填完，还差 5 项）")
	if labels := strings.Join(c.Labels(), " "); !strings.Contains(labels, "⚠️ 1. 西湖创业园（未填完）") {
		t.Errorf("the row's button is not marked: %s", labels)
	}
}

// TestReviewShowsConfirmedWarningsOfListRows: a county confirms that a
// park has fewer firms than the quarter before (a soft rule reading last
// quarter's return); the city's review request shows it, as it does for
// a record form's warnings.
func TestReviewShowsConfirmedWarningsOfListRows(t *testing.T) {
	env := newEnv(t)
	if _, err := env.Registry.Campaign(context.Background(), quarterly); err != nil {
		t.Fatal(err)
	}
	city := env.ContactAs(quarterly, "330100", "李审核", dialogs.Reviewer)
	env.Now = time.Date(2019, 4, 2, 9, 0, 0, 0, dialogtest.Shanghai)
	c := env.ContactIn(quarterly, "330106", "王芳")
	c.Say("/start").Press("进度季报 2019年1-3月").Press("➕ 添加园区").
		Say("西湖区留下小微企业园").Press("已开工").Say("3000").Say("10").Say("50").
		Press("本部分填完了").Press("✅ 提交").Expect("已提交")
	city.Inbox().Press("✅ 通过").Expect("✅ 已通过")

	env.Now = time.Date(2019, 7, 3, 9, 0, 0, 0, dialogtest.Shanghai)
	c.Say("/start").Press("进度季报 2019年1-6月").Press("1. 西湖区留下小微企业园").Press("改：入驻企业数（家）").Say("8").
		Expect("入驻企业 8 家少于上一季度的 10 家").Press("确认无误")
	c.Press("返回列表").Press("本部分填完了").Press("✅ 提交").Expect("已提交")
	city.Inbox().Expect("填报人已确认的提示（请留意）", "入驻企业 8 家少于上一季度的 10 家")
}

// TestReviewButtonsUseShortNames: the review's 改： buttons carry the
// fields' short names (改：服务类企业), not labels of up to 433 px.
func TestReviewButtonsUseShortNames(t *testing.T) {
	env := newEnv(t)
	c := env.Contact("330106", "张三")
	c.Say("/start").Press("附件3")
	for _, v := range []string{"3", "0", "2", "120", "45", "1", "3.5", "20", "80"} {
		c.Say(v)
	}
	c.Expect("全部填写完毕")
	labels := strings.Join(c.Labels(), "|")
	for _, want := range []string{"改：新建成", "改：服务类企业", "改：目标企业"} {
		if !strings.Contains(labels, want) {
			t.Errorf("no %q in %s", want, labels)
		}
	}
	if strings.Contains(labels, "改：按园区类型") {
		t.Errorf("a full label on a button: %s", labels)
	}
}

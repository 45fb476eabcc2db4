package dialogs_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"tianbao/campaign"
	"tianbao/campaigns"
	"tianbao/dialogs/dialogtest"
	"tianbao/reports"
	"tianbao/store"
	"tianbao/store/storetest"
)

func TestMain(m *testing.M) { storetest.Main(m) }

// Three days before the counties' deadline of 2018-12-05.
var now = time.Date(2018, 12, 2, 10, 0, 0, 0, dialogtest.Shanghai)

func newEnv(t *testing.T) *dialogtest.Env {
	t.Helper()
	return dialogtest.New(t, storetest.NewDB(t), now)
}

func csvOf(t *testing.T, env *dialogtest.Env, unit, form string) string {
	t.Helper()
	ctx := context.Background()
	camp, err := env.Registry.Campaign(ctx, campaigns.BuiltinID)
	if err != nil {
		t.Fatal(err)
	}
	drafts, err := env.DB.UnitDrafts(ctx, campaigns.BuiltinID, unit)
	if err != nil {
		t.Fatal(err)
	}
	d := drafts[form]
	if d == nil {
		d = campaign.NewDraft(campaigns.BuiltinID, unit, form)
	}
	var b strings.Builder
	if err := reports.WriteCSV(&b, reports.FormTable(camp.Form(form), d), false); err != nil {
		t.Fatal(err)
	}
	return b.String()
}

func status(t *testing.T, db *store.DB, unit, form string) string {
	t.Helper()
	var s string
	if err := db.GetContext(context.Background(), &s, `SELECT status FROM drafts WHERE campaign_id = $1 AND unit_code = $2 AND form_id = $3`,
		campaigns.BuiltinID, unit, form); err != nil {
		t.Fatal(err)
	}
	return s
}

func TestStartScreen(t *testing.T) {
	env := newEnv(t)
	county := env.Contact("330106", "张三")
	county.Say("/start").Expect("您好，张三（西湖区）", "附件1", "附件3", "未开始", "截止 2018年12月5日，还剩 3 天（报杭州市；杭州市 12月10日前报浙江省）")
	if got := county.Labels(); strings.Join(got, "|") != "附件1（未开始）|附件2（未开始）|附件3（未开始）|政策措施（未开始）|附件4（未开始）" {
		t.Errorf("county buttons = %v", got)
	}
	city := env.Contact("330100", "李四")
	city.Say("/start@tianbao_bot").Expect("杭州市", "截止 2018年12月10日，还剩 8 天（报浙江省）").ExpectNot("附件3")
	env.Now = time.Date(2018, 12, 7, 9, 0, 0, 0, dialogtest.Shanghai)
	county.Say("/status").Expect("已逾期 2 天，截止 2018年12月5日（报杭州市；")
	env.Now = time.Date(2018, 12, 5, 23, 0, 0, 0, dialogtest.Shanghai)
	county.Say("/start").Expect("截止 2018年12月5日，就是今天（报杭州市")
}

func TestFormA3EndToEnd(t *testing.T) {
	env := newEnv(t)
	c := env.Contact("330106", "张三")
	c.Say("/start").Press("附件3").Script(
		"2018-2022年小微企业园建设规划目标",
		"按建设方式 · 新建成（家）（第 1/9 项）", "例如：5",
		"> ５", // full-width
		"✔ 按建设方式 · 新建成（家）：5 家",
		"按建设方式 · 改造提升（家）（第 2/9 项）",
		"> 3",
		"改造提升的 3 家园区须为尚未列入小微企业园名单的园区（表注 1）。请确认。",
		"[确认无误]",
		"按园区类型 · 生产制造类 · 园区数量（个）（第 3/9 项）",
		"> 6个",
		"> 600亩",
		"> 1,200",
		"按园区类型 · 生产性服务等其他类 · 园区数量（个）",
		"> 3", // 5 + 3 ≠ 6 + 3: refused, naming both sides
		"按建设方式合计 8 家（新建成 5 + 改造提升 3），按园区类型合计 9 个（生产制造类 6 + 生产性服务等其他类 3），两者统计的是同一批园区，应当相等。",
		"生产性服务等其他类 · 园区数量（个）（第 6/9 项）",
		"> 2",
		"建筑面积（万平米）",
		"> 120000平方米",
		"✔ 按园区类型 · 生产性服务等其他类 · 建筑面积（万平米）：12 万平方米",
		"> 300",
		"2018-2022入园企业目标数（家）",
		"> 1000", // below 1,200 + 300
		"入园企业目标数 1000 家少于入小微园企业数合计 1500 家（生产制造类 1200 + 生产性服务等其他类 300）",
		"> 2000",
		"请核对已填内容",
		"按建设方式 · 新建成（家）：5 家",
		"按园区类型 · 生产性服务等其他类 · 建筑面积（万平米）：12 万平方米",
		"全部填写完毕",
	)
	// Change one answer at the review step: it returns to the review.
	c.Press("改：新建成").Expect("当前答案：5 家").Say("4").
		Expect("✔ 按建设方式 · 新建成（家）：4 家", "已保存，但以下问题尚未解决", "按建设方式合计 7 家", "还不能提交")
	c.Press("✅ 提交").Expect("还不能提交", "按建设方式合计 7 家")
	if s := status(t, env.DB, "330106", "a3"); s != "draft" {
		t.Fatalf("status after a refused submit = %s", s)
	}
	c.Press("改：改造提升").Say("4").Press("确认无误").Expect("全部填写完毕")
	c.Press("✅ 提交").Expect("已提交《附件3 2018-2022年小微企业园建设规划目标》（第 1 版）", "3. 附件3 2018-2022年小微企业园建设规划目标\n    已提交")
	if s := status(t, env.DB, "330106", "a3"); s != "submitted" {
		t.Fatalf("status = %s", s)
	}
	c.Press("附件3（已提交）").Expect("已提交，正在等待审核，暂时不能修改", "新建成（家）：4 家")
	want := "按建设方式·新建成（家）,按建设方式·改造提升（家）,按园区类型·生产制造类·园区数量（个）,按园区类型·生产制造类·占地面积（亩）,按园区类型·生产制造类·入小微园企业数（家）,按园区类型·生产性服务等其他类·园区数量（个）,按园区类型·生产性服务等其他类·建筑面积（万平米）,按园区类型·生产性服务等其他类·入小微园企业数（家）,2018-2022入园企业目标数（家）\n4,4,6,600,1200,2,12,300,2000\n"
	if got := csvOf(t, env, "330106", "a3"); got != want {
		t.Errorf("CSV:\n%s\nwant:\n%s", got, want)
	}
	var versions, audits int
	ctx := context.Background()
	if err := env.DB.GetContext(ctx, &versions, `SELECT count(*) FROM submissions WHERE unit_code = '330106' AND form_id = 'a3'`); err != nil || versions != 1 {
		t.Errorf("submissions = %d, %v", versions, err)
	}
	if err := env.DB.GetContext(ctx, &audits, `SELECT count(*) FROM audit_log WHERE unit_code = '330106' AND form_id = 'a3' AND action = 'answer.set' AND target = 'main//built' AND old_value = '5' AND new_value = '4'`); err != nil || audits != 1 {
		t.Errorf("audit of the change 5 -> 4: %d rows, %v", audits, err)
	}
}

func TestFormA1(t *testing.T) {
	env := newEnv(t)
	c := env.Contact("330106", "张三")
	c.Say("/start").Press("附件1").Script(
		"机构名称（第 1/5 项）",
		"> 西湖",
		"「机构名称」至少 4 个字（您输入了 2 个）。",
		"机构名称（第 1/5 项）",
		"> 西湖区小微企业园工作联席会议",
		"召集人（组长）姓名",
		"> 王",
		"「召集人（组长）姓名」至少 2 个字",
		"> 王建国",
		"> 区政府副区长",
		"> 李华",
		"联系方式（第 5/5 项）",
		"> 87059132",
		"「联系方式」是固定电话时请带上区号，例如 0571-87059132。",
		"> ０５７１ ８７０５ ９１３２",
		"✔ 联系方式：0571-87059132",
		"全部填写完毕",
		"[✅ 提交]",
		"已提交",
	)
	want := "机构名称,召集人（组长）及职务,联系人,联系方式\n西湖区小微企业园工作联席会议,王建国 区政府副区长,李华,0571-87059132\n"
	if got := csvOf(t, env, "330106", "a1"); got != want {
		t.Errorf("CSV:\n%s\nwant:\n%s", got, want)
	}
}

// park fills one park row from its first question to the list menu.
func park(c *dialogtest.Chat, name, typ, industry, modeOrContent, land, area, when string) {
	c.T.Helper()
	c.Say(name).Say("杭州市西湖区三墩镇振华路 1 号").Press(typ).Say(industry)
	if modeOrContent == "政府主导开发" || modeOrContent == "龙头企业开发" || modeOrContent == "企业联合开发" {
		c.Press(modeOrContent)
	} else {
		c.Say(modeOrContent)
	}
	c.Say(land).Say(area).Say(when)
}

func TestFormA2Lists(t *testing.T) {
	env := newEnv(t)
	// Another county of the city submitted its parks; a third only
	// drafted one. Suggestions come from what was submitted (D18).
	other := env.Contact("330102", "王五")
	other.Say("/start").Press("附件2").Press("➕ 添加园区")
	park(other, "上城园", "生产制造类", "智能装备", "政府主导开发", "20亩", "2万平方米", "2019年5月")
	other.Press("本部分填完了").Press("本部分没有园区").Press("本部分没有园区").Press("✅ 提交").Expect("已提交")
	draft := env.Contact("330105", "赵六")
	draft.Say("/start").Press("附件2").Press("➕ 添加园区").Say("拱墅园").Say("拱墅区 1 号").Press("生产制造类").Say("机密产业XYZ").Expect("开发建设模式")
	c := env.Contact("330106", "张三")
	c.Say("/start").Press("附件2").Expect("可建成：本部分可以填写多个园区，也可以没有。").
		Press("➕ 添加园区").Expect("可建成 · 第 1 个园区", "园区名称（第 1/8 项）")
	park(c, "西湖创业园", "生产制造类", "智能装备", "政府主导开发", "50亩", "6万平方米", "2019年6月")
	c.Expect("已保存第 1 个园区", "可建成：已填 1 个园区", "1. 西湖创业园 · 杭州市西湖区三墩镇振华路 1 号 · 生产制造类 · 智能装备 · 政府主导开发 · 50亩 · 6万㎡ · 2019-06")
	// A second park: the name must differ, the area is converted, the
	// date must fall in 2019, the plot ratio is checked.
	c.Press("➕ 添加园区").Say("西湖创业园").Expect("本部分已有「西湖创业园」，园区名称不能重复。").
		Say("三墩数字园").Say("三墩镇 2 号").Press("生产性服务等其他类").
		Expect("智能装备"). // the industry another county of the city submitted, as a button
		ExpectNot("机密产业XYZ", "生物医药").
		Press("智能装备").Press("企业联合开发").
		Say("约30亩").Expect("「计划用地（亩）」需要一个确切的数字").
		Say("30").Say("60000").Expect("您输入的数字看起来是平方米").
		Say("600平方米").Expect("容积率为 0.03（建筑面积 0.06 万平方米 ÷ 用地 30 亩），超出常见范围 0.3–6，请核对面积单位。").
		Press("重新输入").Expect("计划建筑面积（万平方米）").
		Say("60000 m2").Expect("✔ 计划建筑面积（万平方米）：6 万平方米", "项目完成时间").
		Say("2020-03").Expect("项目完成时间须在 2019 年内（计划年度）。").
		Say("19年12月").Expect("已保存第 2 个园区", "2. 三墩数字园")
	c.Press("本部分填完了").Expect("完成改造提升：本部分可以填写多个园区").
		Press("本部分没有园区").Expect("开工建设：本部分可以填写多个园区").
		Press("➕ 添加园区").Say("西湖创业园").
		Expect("「西湖创业园」也列在本表的其他部分。同一园区一般只列入一个部分，请确认。").Press("确认无误").
		Say("三墩镇 3 号").Press("生产制造类").Say("生物医药").Press("龙头企业开发").
		Say("80").Say("10").Say("2019.3").Expect("已保存第 1 个园区")
	// Delete a row, then add it back; numbering (序号) follows.
	c.Press("1. 西湖创业园").Expect("开工建设 第 1 个园区：", "计划开工时间：2019-03").
		Press("🗑 删除此园区").Expect("确定删除第 1 个园区「西湖创业园」吗？").Press("确认删除").Expect("已删除。", "开工建设：本部分可以填写多个园区")
	c.Press("➕ 添加园区").Say("云栖小镇园").Say("转塘街道 8 号").Press("生产制造类").Say("云计算").Press("政府主导开发").
		Say("100").Say("20").Say("2019-02")
	c.Press("本部分填完了").Expect("请核对已填内容", "【可建成】", "1. 西湖创业园", "2. 三墩数字园", "【完成改造提升】", "（无）", "【开工建设】", "1. 云栖小镇园", "全部填写完毕")
	// Change a row's field from the review, through the list and row menus.
	c.Press("可建成（2 个园区）").Press("2. 三墩数字园").Press("改：主导产业").Expect("当前答案：智能装备").Say("数字经济").
		Expect("✔ 主导产业：数字经济", "可建成 第 2 个园区：").Press("返回列表").Press("返回核对页").Expect("2. 三墩数字园 · 三墩镇 2 号 · 生产性服务等其他类 · 数字经济")
	c.Press("✅ 提交").Expect("已提交")
	got := csvOf(t, env, "330106", "a2")
	want := "部分,序号,园区名称,园区地址,园区类型,主导产业,开发建设模式,计划用地（亩）,计划建筑面积（万平方米）,项目完成时间,改造提升内容,园区占地（亩）,建筑面积（万平方米）,计划开工时间\n" +
		"可建成,1,西湖创业园,杭州市西湖区三墩镇振华路 1 号,生产制造类,智能装备,政府主导开发,50,6,2019-06,,,,\n" +
		"可建成,2,三墩数字园,三墩镇 2 号,生产性服务等其他类,数字经济,企业联合开发,30,6,2019-12,,,,\n" +
		"开工建设,1,云栖小镇园,转塘街道 8 号,生产制造类,云计算,政府主导开发,100,20,,,,,2019-02\n"
	if got != want {
		t.Errorf("CSV:\n%s\nwant:\n%s", got, want)
	}
}

func TestPoliciesWithFiles(t *testing.T) {
	env := newEnv(t)
	c := env.Contact("330100", "李四") // the city
	pdf := []byte("%PDF-1.4 a policy")
	c.Say("/start").Press("政策措施").Press("➕ 添加文件").
		Say("关于加快推进小微企业园建设的实施意见").
		Expect("文号（第 2/5 项）（选填，可发送 /skip 跳过）").Say("/skip").
		Say("杭州市人民政府办公厅").
		Say("2017年9月15日").Expect("印发日期须在 2018 年内（今年以来出台的政策）。").
		Say("2018-02-30").Expect("「印发日期」的日期不存在").
		Say("2018年9月15日").Expect("文件原文（第 5/5 项）").
		Say("见附件").Expect("本项需要上传文件").
		Upload("policy.pdf", []byte("just text, named pdf")).Expect("文件类型不符：「policy.pdf」的类型无法识别").
		Upload("policy.pdf", pdf).Expect("✔ 文件原文：policy.pdf（17 字节）", "已保存第 1 个文件")
	c.Press("➕ 添加文件").Say("杭州市小微企业园认定管理办法").Say("杭政办函〔2018〕12号").Say("杭州市经信委").Say("2018-06-01").
		Press("跳过").Expect("已保存第 2 个文件").Press("本部分填完了").Expect("全部填写完毕").Press("✅ 提交").Expect("已提交")
	got := csvOf(t, env, "330100", "policies")
	want := "序号,文件名称,文号,发文单位,印发日期,文件原文\n1,关于加快推进小微企业园建设的实施意见,,杭州市人民政府办公厅,2018-09-15,policy.pdf\n2,杭州市小微企业园认定管理办法,杭政办函〔2018〕12号,杭州市经信委,2018-06-01,\n"
	if got != want {
		t.Errorf("CSV:\n%s\nwant:\n%s", got, want)
	}
}

func TestFormA4PlanAndYearlyTargets(t *testing.T) {
	env := newEnv(t)
	c := env.Contact("330106", "张三")
	docx := docxBytes(t)
	c.Say("/start").Press("附件4").Expect("规划文本须包括：", "四、保障措施", "规划编制方式（第 1/2 项）").
		Press("本地单独编制").Expect("正式规划文本（第 2/2 项）").
		Upload("规划.docx", docx).Expect("✔ 正式规划文本：规划.docx", "分年度发展目标 · 【2018年（基期）】", "园区数量（个）（第 1/6 项）")
	for _, year := range []struct{ parks, land string }{{"10", "1000"}, {"12", "1200"}, {"14", "1400"}, {"13", "1500"}, {"15", "1600"}} {
		c.Say(year.parks)
		if year.parks == "13" {
			c.Expect("园区数量 13 个少于上一年的 14 个，请确认。").Press("确认无误")
		}
		c.Say(year.land).Say("800").Say("25.5万元/亩").Say("20").Say("3")
	}
	c.Expect("请核对已填内容", "2021年：园区数量（个） 13；园区占地（亩） 1500", "全部填写完毕").
		Press("改：2020年").Expect("分年度发展目标 【2020年】：", "园区数量（个）：14 个", "园区占地（亩）：1400 亩").
		Press("改：园区占地（亩）").Expect("当前答案：1400 亩").Say("1450").Expect("分年度发展目标 【2020年】：", "园区占地（亩）：1450 亩").
		Press("返回核对页").Expect("请核对已填内容", "2020年：园区数量（个） 14；园区占地（亩） 1450")
	c.Press("✅ 提交").Expect("已提交")
	if got := csvOf(t, env, "330106", "a4"); !strings.Contains(got, "部分,序号,规划编制方式,正式规划文本,园区数量（个）") || !strings.Contains(got, "规划文本,,本地单独编制,规划.docx") || !strings.Contains(got, "分年度发展目标,2021年,,,13,1500,800,25.5,20,3") {
		t.Errorf("CSV:\n%s", got)
	}
}

// TestFormA4CompiledByTheCity: the notice lets a city compile its
// districts' plan; such a district has no file to upload, and can submit
// (UX defect 9). Changing its mind asks for the file again.
func TestFormA4CompiledByTheCity(t *testing.T) {
	env := newEnv(t)
	c := env.Contact("330106", "张三")
	c.Say("/start").Press("附件4").Press("由设区市统一编制").Expect("✔ 规划编制方式：由设区市统一编制", "【2018年（基期）】").ExpectNot("正式规划文本")
	c.Say("/back").Expect("规划编制方式（第 1/1 项）", "当前答案：由设区市统一编制").Press("保留当前答案").Expect("【2018年（基期）】")
	for i := 0; i < 5; i++ {
		c.Say("10")
		if i == 1 { // a digit dropped: 16 for 1000 亩 is asked about
			c.Say("16").Expect("园区占地 16 亩少于上一年的 1000 亩").Press("重新输入").Expect("园区占地（亩）")
		}
		c.Say("1000").Say("800").Say("25").Say("20").Say("3")
	}
	c.Expect("规划编制方式：由设区市统一编制", "全部填写完毕").ExpectNot("正式规划文本")
	c.Press("改：规划编制方式").Press("本地单独编制").Expect("✔ 规划编制方式：本地单独编制", "正式规划文本（第 2/2 项）")
	c.Upload("规划.docx", docxBytes(t)).Expect("全部填写完毕", "正式规划文本：规划.docx")
	c.Press("改：规划编制方式").Press("由设区市统一编制").Expect("全部填写完毕").ExpectNot("规划.docx")
	c.Press("✅ 提交").Expect("已提交")
	if got := csvOf(t, env, "330106", "a4"); !strings.Contains(got, "规划文本,,由设区市统一编制,,") || strings.Contains(got, "规划.docx") {
		t.Errorf("the file of a plan not asked for was submitted:\n%s", got)
	}
}

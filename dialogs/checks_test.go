package dialogs_test

import (
	"strings"
	"testing"

	"tianbao/campaign"
	"tianbao/dialogs/dialogtest"
)

func builtin(t *testing.T) *campaign.Campaign { return dialogtest.Builtin(t) }

// TestFieldChecks runs every field check of FORMS.md, failing and passing,
// and asserts the exact message or the canonical value.
func TestFieldChecks(t *testing.T) {
	c := builtin(t)
	field := func(form, section, id string) *campaign.Field {
		f := c.Form(form).Section(section).Field(id)
		if f == nil {
			t.Fatalf("no field %s/%s/%s", form, section, id)
		}
		return f
	}
	long := func(n int) string { return strings.Repeat("园", n) }
	tests := []struct {
		form, section, field, input string
		want                        string // canonical value, or the message when it starts with 「 or ends with 。
	}{
		// 附件1
		{"a1", "main", "org_name", "西湖", "「机构名称」至少 4 个字（您输入了 2 个）。"},
		{"a1", "main", "org_name", long(61), "「机构名称」最多 60 个字（您输入了 61 个）。"},
		{"a1", "main", "org_name", "  西湖区小微企业园工作联席会议 ", "西湖区小微企业园工作联席会议"},
		{"a1", "main", "convener_name", "王", "「召集人（组长）姓名」至少 2 个字（您输入了 1 个）。"},
		{"a1", "main", "convener_name", "王建国", "王建国"},
		{"a1", "main", "convener_post", long(41), "「召集人（组长）职务」最多 40 个字（您输入了 41 个）。"},
		{"a1", "main", "convener_post", "区长", "区长"},
		{"a1", "main", "contact", long(21), "「联系人」最多 20 个字（您输入了 21 个）。"},
		{"a1", "main", "contact", "李华", "李华"},
		{"a1", "main", "phone", "13812345678", "13812345678"},
		{"a1", "main", "phone", "１３８ １２３４ ５６７８", "13812345678"},
		{"a1", "main", "phone", "057187059132", "0571-87059132"},
		{"a1", "main", "phone", "0571-87059132转8012", "0571-87059132-8012"},
		{"a1", "main", "phone", "87059132", "「联系方式」是固定电话时请带上区号，例如 0571-87059132。"},
		{"a1", "main", "phone", "12345", "「联系方式」需要 11 位手机号，或带区号的固定电话（如 0571-87059132，可加分机）。"},
		{"a1", "main", "phone", "", "「联系方式」不能为空，请输入。"},
		// 附件2
		{"a2", "completed", "ptype", "生产制造类", "生产制造类"},
		{"a2", "completed", "ptype", "2", "生产性服务等其他类"},
		{"a2", "completed", "ptype", "生产", "「园区类型」请从以下选项中选择：生产制造类 / 生产性服务等其他类。"},
		{"a2", "completed", "ptype", "商贸类", "「园区类型」请从以下选项中选择：生产制造类 / 生产性服务等其他类。"},
		{"a2", "completed", "mode", "村集体", "村集体联合开发"},
		{"a2", "completed", "mode", "自主开发", "「开发建设模式」请从以下选项中选择：政府主导开发 / 龙头企业开发 / 企业联合开发 / 工业地产开发 / 村集体联合开发 / 专业机构开发。"},
		{"a2", "completed", "industry", "", "「主导产业」不能为空，请输入。"},
		{"a2", "completed", "industry", "智能装备", "智能装备"},
		{"a2", "upgraded", "content", long(201), "「改造提升内容」最多 200 个字（您输入了 201 个）。"},
		{"a2", "upgraded", "content", "厂房改造", "厂房改造"},
		{"a2", "completed", "land", "50亩", "50"},
		{"a2", "completed", "land", "50", "50"},
		{"a2", "completed", "land", "0", "计划用地须大于 0 亩。"},
		{"a2", "completed", "land", "1.234", "「计划用地（亩）」最多保留 2 位小数。"},
		{"a2", "completed", "land", "约50亩", "「计划用地（亩）」需要一个确切的数字，不能是「约」「左右」「余」之类的估计，请填写具体数字。"},
		{"a2", "completed", "land", "3000平方米", "「计划用地（亩）」的单位是亩，请换算成亩后填写（1 亩 ≈ 666.67 平方米）。"},
		{"a2", "completed", "land", "30-50", "「计划用地（亩）」只能填写一个数字，不能填写范围。"},
		{"a2", "completed", "land", "五十", "「计划用地（亩）」需要填写阿拉伯数字，例如 50。"},
		{"a2", "completed", "area", "6万平方米", "6"},
		{"a2", "completed", "area", "60000平方米", "6"},
		{"a2", "completed", "area", "6万㎡", "6"},
		{"a2", "completed", "area", "60000 m2", "6"},
		{"a2", "completed", "area", "12,300平方米", "1.23"},
		{"a2", "completed", "area", "12,345平方米", "「计划建筑面积（万平方米）」换算后是 1.2345 万平方米，本项最多保留 2 位小数，请直接按万平方米填写（四舍五入后的数字）。"},
		{"a2", "completed", "area", "1 2", "「计划建筑面积（万平方米）」的数字中间有空格，请连续输入一个数字，例如 6 或 60000平方米。"},
		{"a2", "completed", "name", "\u200b\u200b\u200b", "「园区名称」不能为空，请输入。"},
		{"a2", "completed", "name", "\u2060\u00ad\u3164\ufe0f\u0301\u200d", "「园区名称」不能为空，请输入。"},
		{"a2", "completed", "name", "西\u200b", "「园区名称」至少 2 个字（您输入了 1 个）。"},
		{"a2", "completed", "name", "\u202e明张小微园", "明张小微园"},
		{"a2", "completed", "name", "西湖\x00园区", "西湖园区"},
		{"a2", "completed", "name", "西湖\u2066园\u2069区", "西湖园区"},
		{"a2", "completed", "area", "60000", "「计划建筑面积（万平方米）」的单位是万平方米，您输入的数字看起来是平方米。请输入万平方米数（如 6），或带上单位（如 60000平方米）。"},
		{"a2", "completed", "area", "0", "计划建筑面积须大于 0。"},
		{"a2", "completed", "finish", "2019-06", "2019-06"},
		{"a2", "completed", "finish", "2019.6", "2019-06"},
		{"a2", "completed", "finish", "2019年6月", "2019-06"},
		{"a2", "completed", "finish", "19年6月", "2019-06"},
		{"a2", "completed", "finish", "２０１９年６月", "2019-06"},
		{"a2", "completed", "finish", "2020-01", "项目完成时间须在 2019 年内（计划年度）。"},
		{"a2", "completed", "finish", "2018-12", "项目完成时间须在 2019 年内（计划年度）。"},
		{"a2", "completed", "finish", "明年六月", "「项目完成时间」需要年月，例如 2019-06、2019年6月 或 19年6月。"},
		{"a2", "started", "start", "2020-03", "计划开工时间须在 2019 年内（计划年度）。"},
		{"a2", "started", "start", "2019-03", "2019-03"},
		// 附件3
		{"a3", "main", "built", "5", "5"},
		{"a3", "main", "built", "５家", "5"},
		{"a3", "main", "built", "-1", "「新建成（家）」不能为负数。"},
		{"a3", "main", "built", "+5", "5"},
		{"a3", "main", "built", "1000000000000", "「新建成（家）」的数字太大：整数部分最多 12 位（不超过 999999999999），请核对单位或数字。"},
		{"a3", "main", "built", "5 5", "「新建成（家）」的数字中间有空格，请连续输入一个数字，例如 5。"},
		{"a3", "main", "built", "3.5", "「新建成（家）」需要填写整数。"},
		{"a3", "main", "built", "0", "0"},
		{"a3", "main", "mfg_land", "0", "0"},
		{"a3", "main", "mfg_land", "1,200.5", "1200.5"},
		{"a3", "main", "svc_area", "120000平方米", "12"},
		{"a3", "main", "target", "约600", "「2018-2022入园企业目标数（家）」需要一个确切的数字，不能是「约」「左右」「余」之类的估计，请填写具体数字。"},
		// 政策措施
		{"policies", "docs", "name", "意见", "「文件名称」至少 4 个字（您输入了 2 个）。"},
		{"policies", "docs", "doc_no", "杭政办函〔2018〕12号", "杭政办函〔2018〕12号"},
		{"policies", "docs", "issued", "2018年9月15日", "2018-09-15"},
		{"policies", "docs", "issued", "2017-12-31", "印发日期须在 2018 年内（今年以来出台的政策）。"},
		{"policies", "docs", "issued", "2018-02-30", "「印发日期」的日期不存在：2 月没有这一天。"},
		{"policies", "docs", "file", "见附件", "「文件原文」要的是文件，不是文字：请点输入框旁的 📎，选择文件发送。"},
		// 附件4
		{"a4", "targets", "parks", "12", "12"},
		{"a4", "targets", "parks", "-2", "「园区数量（个）」不能为负数。"},
		{"a4", "targets", "tax_per_mu", "25.5万元/亩", "25.5"},
		{"a4", "targets", "tax_per_mu", "280000元/亩", "28"},
		{"a2", "completed", "finish", "2019年13月", "「项目完成时间」的月份应为 1–12。"},
		{"a1", "main", "phone", "0571-86688888，13957112233", "0571-86688888、13957112233"},
		{"a1", "main", "phone", "1395711223", "「联系方式」：手机号应为 11 位，您输入了 10 位，请核对。"},
		{"a4", "targets", "tax_per_mu", "280001元/亩", "「亩均税收（万元/亩）」换算后是 28.0001 万元/亩，本项最多保留 2 位小数，请直接按万元/亩填写（四舍五入后的数字）。"},
		{"a4", "targets", "tax_per_mu", "25.555", "「亩均税收（万元/亩）」最多保留 2 位小数。"},
	}
	for _, tt := range tests {
		f := field(tt.form, tt.section, tt.field)
		value, problem := campaign.Validate(f, tt.input)
		got := value
		if problem != "" {
			got = problem
		}
		if got != tt.want {
			t.Errorf("%s/%s %q: got %q, want %q", tt.form, tt.field, tt.input, got, tt.want)
		}
		// What is stored parses to itself: normalisation is idempotent.
		if problem == "" && f.Type != campaign.Choice {
			if again, p := campaign.Validate(f, value); p != "" || again != value {
				t.Errorf("%s/%s: %q is not canonical (%q, %q)", tt.form, tt.field, value, again, p)
			}
		}
	}
}

func TestSniffFile(t *testing.T) {
	for name, tt := range map[string]struct {
		content []byte
		want    string
	}{
		"pdf":  {[]byte("%PDF-1.7 ..."), "pdf"},
		"png":  {[]byte("\x89PNG\r\n\x1a\n...."), "png"},
		"jpg":  {[]byte("\xff\xd8\xff\xe0...."), "jpg"},
		"doc":  {[]byte("\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1...."), "doc"},
		"docx": {docxBytes(t), "docx"},
		"text": {[]byte("hello"), ""},
	} {
		got := strings.Join(campaign.SniffFile(tt.content), ",")
		if !strings.HasPrefix(got, tt.want) || (tt.want == "" && got != "") {
			t.Errorf("%s: SniffFile = %q, want %q", name, got, tt.want)
		}
	}
}

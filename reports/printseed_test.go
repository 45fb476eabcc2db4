package reports_test

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"tianbao/campaign"
	"tianbao/campaigns"
	"tianbao/dialogs"
	"tianbao/store"
)

// What a province's export holds as a real campaign draws to its end, for
// printing it: three cities of Zhejiang (37 units) with every return of
// zj-2018-14 approved and forwarded, a fourth with one package still
// waiting, the other seven not yet forwarded; about 190 parks, a fifth of
// them with long names and addresses, phones of two numbers, policies
// with long titles. (LibreOffice takes about a fifth of a second of CPU a
// page: the whole province would print 100 pages and make the test slow.)
// Seeded in SQL: the dialogs are tested elsewhere, this is about the
// paper.

// row is one row of a submitted section.
type seedRow struct {
	Key    string            `json:"key"`
	Values map[string]string `json:"values"`
}

// seeder inserts approved submissions and the cities' packages of them.
type seeder struct {
	t    *testing.T
	db   *store.DB
	c    *campaign.Campaign
	subs map[[2]string]int64 // unit, form → approved submission
}

func newSeeder(t *testing.T, db *store.DB, id string) *seeder {
	t.Helper()
	src, err := campaigns.Builtin(id)
	if err != nil {
		t.Fatal(err)
	}
	return newSeederOf(t, db, src)
}

func newSeederOf(t *testing.T, db *store.DB, src *campaign.Source) *seeder {
	t.Helper()
	c, _, err := campaigns.Install(context.Background(), db, src)
	if err != nil {
		t.Fatal(err)
	}
	return &seeder{t: t, db: db, c: c, subs: map[[2]string]int64{}}
}

// submit stores unit's approved return of form: its draft's state, the
// submission and its approval.
func (s *seeder) submit(unit, form string, sections map[string][]seedRow, status string) {
	s.t.Helper()
	data, err := json.Marshal(map[string]any{"sections": sections})
	if err != nil {
		s.t.Fatal(err)
	}
	ctx := context.Background()
	if _, err := s.db.ExecContext(ctx, `INSERT INTO drafts (campaign_id, unit_code, form_id, status) VALUES ($1, $2, $3, $4)`,
		s.c.ID, unit, form, status); err != nil {
		s.t.Fatal(err)
	}
	if status == "draft" {
		return
	}
	subStatus := status
	var id int64
	if err := s.db.QueryRowContext(ctx, `INSERT INTO submissions (campaign_id, unit_code, form_id, version, campaign_version, data, status, submitted_at)
		VALUES ($1, $2, $3, 1, $4, $5, $6, '2018-12-03 10:00+08') RETURNING id`, s.c.ID, unit, form, s.c.Version, string(data), subStatus).Scan(&id); err != nil {
		s.t.Fatal(err)
	}
	if status == "approved" || status == "returned" {
		if _, err := s.db.ExecContext(ctx, `INSERT INTO submission_events (submission_id, status, at) VALUES ($1, $2, '2018-12-07 16:30+08')`, id, status); err != nil {
			s.t.Fatal(err)
		}
	}
	if status == "approved" {
		s.subs[[2]string{unit, form}] = id
	}
}

// forward stores city's package of form, carrying the approved returns of
// the city and its counties, in the status the province left it.
func (s *seeder) forward(city, form, status string) {
	s.t.Helper()
	var rows []seedRow
	for _, code := range append([]string{city}, s.c.Units[city].Children...) {
		if id, ok := s.subs[[2]string{code, form}]; ok {
			rows = append(rows, seedRow{Key: code, Values: map[string]string{"submission": fmt.Sprint(id), "version": "1"}})
		}
	}
	data, _ := json.Marshal(map[string]any{"sections": map[string][]seedRow{"units": rows}})
	if _, err := s.db.ExecContext(context.Background(), `INSERT INTO submissions (campaign_id, unit_code, form_id, version, campaign_version, data, status, submitted_at)
		VALUES ($1, $2, $3, 1, $4, $5, $6, '2018-12-10 09:00+08')`, s.c.ID, city, dialogs.PackageForm(form), s.c.Version, string(data), status); err != nil {
		s.t.Fatal(err)
	}
}

func record(values map[string]string) map[string][]seedRow {
	return map[string][]seedRow{"main": {{Values: values}}}
}

var (
	industries = []string{"智能装备", "生物医药", "数字经济", "新材料", "时尚纺织", "汽车零部件", "电子信息", "绿色食品"}
	modes      = []string{"政府主导开发", "龙头企业开发", "企业联合开发", "工业地产开发", "村集体联合开发", "专业机构开发"}
	surnames   = []string{"王", "李", "张", "刘", "陈", "杨", "赵", "黄", "周", "吴", "徐", "孙", "胡", "朱", "高", "林", "何", "郭", "马", "罗"}
	given      = []string{"建国", "丽华", "明", "海峰", "婧", "志强", "晓燕", "伟", "秀英", "立新"}
)

func person(i int) string { return surnames[i%len(surnames)] + given[(i/3)%len(given)] }

// seedProvince fills zj-2018-14 as described above and returns it.
func seedProvince(t *testing.T, db *store.DB) *campaign.Campaign {
	s := newSeeder(t, db, campaigns.BuiltinID)
	c := s.c
	i := 0
	for _, city := range []string{"330100", "330200", "330300", "330500"} { // 杭州, 宁波, 温州, 湖州
		for _, code := range append([]string{city}, c.Units[city].Children...) {
			i++
			u := c.Units[code]
			isCity := code == city
			post := map[bool]string{true: "市政府副市长", false: "区政府副区长"}[isCity]
			if strings.HasSuffix(u.Name, "县") {
				post = "县政府副县长"
			}
			phone := fmt.Sprintf("0571-870%05d", 59132+i)
			switch i % 3 {
			case 0: // two numbers, as 附件1 of 西湖区 gave them
				phone = fmt.Sprintf("0571-870%05d、139571%05d", 59132+i, 12233+i)
			case 1:
				phone = fmt.Sprintf("139571%05d", 17800+i)
			}
			org := u.Name + "小微企业园工作领导小组"
			if i%4 == 0 {
				org = u.Name + "小微企业园建设提升工作联席会议"
			}
			s.submit(code, "a1", record(map[string]string{"org_name": org, "convener_name": person(i), "convener_post": post,
				"contact": person(i + 7), "phone": phone}), "approved")

			parks := map[string][]seedRow{}
			for si, sec := range []string{"completed", "upgraded", "started"} {
				n := []int{1 + i%4, i % 2, 1 + i%3}[si]
				if isCity {
					n = 1
				}
				for k := 1; k <= n; k++ {
					ind := industries[(i+k+si)%len(industries)]
					name := fmt.Sprintf("%s%s小微企业园%d期", u.Name, ind, k)
					addr := fmt.Sprintf("%s%s街道工业园区%s路%d号", c.Units[city].Name+u.Name, ind[:3], ind[3:], 10*k+i)
					if (i+k)%5 == 0 { // the long ones a real list has
						name = fmt.Sprintf("%s经济技术开发区%s产业创新服务综合体暨数字化改造提升示范小微企业园（%d期）", u.Name, ind, k)
						addr = fmt.Sprintf("%s%s科技城创新大道%d号未来科技园区东区%d幢（原%s机械厂厂区）", c.Units[city].Name, u.Name, 100+i, k, u.Name)
					}
					v := map[string]string{"name": name, "address": addr, "ptype": []string{"生产制造类", "生产性服务等其他类"}[(i+k)%2],
						"industry": ind, "land": fmt.Sprintf("%d.%d", 20+(i*k*7)%180, k%10), "area": fmt.Sprintf("%d.%d", 1+(i+k)%28, (i*k)%10)}
					if sec == "upgraded" {
						v["content"] = "厂房加固、消防改造、建设公共服务中心"
						if k%2 == 0 {
							v["content"] = "老旧厂房整体改造提升，配套建设员工宿舍、食堂和公共服务中心，完善消防和污水管网"
						}
					} else {
						v["mode"] = modes[(i+k)%len(modes)]
					}
					month := fmt.Sprintf("2019-%02d", 1+(i+k)%12)
					if sec == "started" {
						v["start"] = month
					} else {
						v["finish"] = month
					}
					parks[sec] = append(parks[sec], seedRow{Key: fmt.Sprintf("r%d", k), Values: v})
				}
			}
			s.submit(code, "a2", parks, "approved")

			if !isCity {
				built, upgraded := 2+i%5, i%2
				mfg := (built + upgraded + 1) / 2
				s.submit(code, "a3", record(map[string]string{"built": fmt.Sprint(built), "upgraded": fmt.Sprint(upgraded),
					"mfg_count": fmt.Sprint(mfg), "mfg_land": fmt.Sprintf("%d.5", 60*mfg+i), "mfg_firms": fmt.Sprint(40 * mfg),
					"svc_count": fmt.Sprint(built + upgraded - mfg), "svc_area": fmt.Sprintf("%d.25", 3*(built+upgraded-mfg)), "svc_firms": fmt.Sprint(30 * (built + upgraded - mfg)),
					"target": fmt.Sprint(100*(built+upgraded) + 40)}), "approved")
			}

			docs := []seedRow{}
			for k := 1; k <= i%4; k++ {
				docs = append(docs, seedRow{Key: fmt.Sprintf("r%d", k), Values: map[string]string{
					"name":   fmt.Sprintf("关于加快推进%s小微企业园高质量发展的实施意见（第%d号）", u.Name, k),
					"doc_no": fmt.Sprintf("%s政办发〔2018〕%d号", string([]rune(u.Name)[:1]), 10+k),
					"issuer": u.Name + "人民政府办公室", "issued": fmt.Sprintf("2018-%02d-%02d", 3+k*2, 10+k),
					"file": fmt.Sprintf(`{"name":"%s小微企业园政策（2018）第%d号.pdf","kind":"pdf","size":1234,"ref":"x%d"}`, u.Name, k, i),
				}})
			}
			s.submit(code, "policies", map[string][]seedRow{"docs": docs}, "approved")

			plan := map[string]string{"compiled": "本地单独编制",
				"plan_file": fmt.Sprintf(`{"name":"%s小微企业园高质量发展五年规划（2018-2022年）.docx","kind":"docx","size":4321,"ref":"p%d"}`, u.Name, i)}
			if strings.HasSuffix(u.Name, "区") && !isCity && i%2 == 0 {
				plan = map[string]string{"compiled": "由设区市统一编制"}
			}
			years := []seedRow{}
			for y := 0; y < 5; y++ {
				years = append(years, seedRow{Key: fmt.Sprint(2018 + y), Values: map[string]string{
					"parks": fmt.Sprint(5 + y*2 + i%4), "land": fmt.Sprintf("%d", 600+y*150+i*3), "firms": fmt.Sprint(300 + y*80 + i),
					"tax_per_mu": fmt.Sprintf("%d.5", 18+y*2), "upscaled": fmt.Sprint(5 + y*3), "digital": fmt.Sprint(1 + y)}})
			}
			s.submit(code, "a4", map[string][]seedRow{"plan": {{Values: plan}}, "targets": years}, "approved")
		}
		for _, f := range []string{"a1", "a2", "a3", "policies", "a4"} {
			status := "approved"
			if city == "330500" && f == "a4" { // 湖州市's 附件4 waits for the province
				status = "submitted"
			}
			s.forward(city, f, status)
		}
	}
	return c
}

// seedQuarterly fills the standing return's four quarters of 2019 for
// 杭州市 (five to eight parks a county, carried from quarter to quarter)
// and forwards them; the other cities have not started.
func seedQuarterly(t *testing.T, db *store.DB) *campaign.Campaign {
	s := newSeeder(t, db, "zj-2019-parks-quarterly")
	c := s.c
	periods := c.Instances("progress")
	i := 0
	for _, city := range []string{"330100"} {
		for _, code := range append([]string{city}, c.Units[city].Children...) {
			i++
			u := c.Units[code]
			n := 5 + i%4
			for q, p := range periods {
				var parks []seedRow
				for k := 1; k <= n; k++ {
					ind := industries[(i+k)%len(industries)]
					name := fmt.Sprintf("%s%s小微企业园%d期", u.Name, ind, k)
					if (i+k)%5 == 0 {
						name = fmt.Sprintf("%s经济技术开发区%s产业创新服务综合体暨小微企业园（%d期）", u.Name, ind, k)
					}
					status := []string{"未开工", "已开工", "已开工", "已竣工"}[min(q+(k%2), 3)]
					parks = append(parks, seedRow{Key: fmt.Sprintf("r%d", k), Values: map[string]string{"name": name, "status": status,
						"invest": fmt.Sprintf("%d.5", (q+1)*(800+i*10+k*30)), "firms": fmt.Sprint((q + 1) * (3 + k)), "land": fmt.Sprintf("%d", 30+k*5)}})
				}
				s.submit(code, p.ID, map[string][]seedRow{"parks": parks}, "approved")
			}
		}
		for _, p := range periods {
			s.forward(city, p.ID, "approved")
		}
	}
	return c
}

// cityFundsTwoTables is cityFunds with a second table: a table-only form
// prints as the notice's tables, one under the other, with the 明细 sheet.
const cityFundsTwoTables = cityFunds + `      - id: u
        kind: table
        rows:
          - {key: staff, title: 工作人员经费（含聘用人员劳务费、差旅费、培训费）}
          - {key: works, title: 园区基础设施和公共服务平台建设补助}
        fields:
          - {id: spent, label: 本年支出（万元）, type: decimal, min: 0}
          - {id: note, label: 备注, type: text, optional: true, max_len: 100}
`

// seedFunds fills the two-table form for 杭州市 (its own 本级 figures) and
// its thirteen counties, approved.
func seedFunds(t *testing.T, db *store.DB) *campaign.Campaign {
	src, err := campaigns.Builtin(campaigns.BuiltinID)
	if err != nil {
		t.Fatal(err)
	}
	s := newSeederOf(t, db, &campaign.Source{Name: "cityfunds.yaml", YAML: []byte(cityFundsTwoTables),
		Files: map[string][]byte{"units.tsv": src.Files["zhejiang_2018_counties.tsv"]}})
	for i, code := range append([]string{"330100"}, s.c.Units["330100"].Children...) {
		s.submit(code, "funds", map[string][]seedRow{
			"t": {{Key: "gov", Values: map[string]string{"amount": fmt.Sprintf("%d.5", 100+i*7), "budget": fmt.Sprint(120 + i*7)}},
				{Key: "other", Values: map[string]string{"amount": fmt.Sprintf("%d.25", 20+i), "budget": "30"}},
				{Key: "balance", Values: map[string]string{"amount": "-5.25"}}},
			"u": {{Key: "staff", Values: map[string]string{"spent": fmt.Sprint(12 + i), "note": "含2018年第四季度聘用人员劳务费，已按财政要求审计"}},
				{Key: "works", Values: map[string]string{"spent": fmt.Sprint(80 + i)}}},
		}, "approved")
	}
	return s.c
}

// seedWide is a return of thirty figures a county (more columns than a
// page holds at 9 pt), filled by 杭州市's thirteen counties.
func seedWide(t *testing.T, db *store.DB) *campaign.Campaign {
	src, err := campaigns.Builtin(campaigns.BuiltinID)
	if err != nil {
		t.Fatal(err)
	}
	var yaml strings.Builder
	yaml.WriteString("id: wide\ntitle: 小微企业园运行监测（测试）\nunits:\n  file: units.tsv\n  root: {code: \"330000\", name: 浙江省}\n" +
		"forms:\n  - id: m\n    short: 监测表\n    title: 小微企业园运行情况监测表\n    levels: [county]\n    due: {county: \"2018-12-20\"}\n" +
		"    sections:\n      - id: main\n        kind: record\n        total: true\n        fields:\n")
	for i := 1; i <= 30; i++ {
		fmt.Fprintf(&yaml, "          - {id: f%d, label: 监测指标%d（家）, group: [第%d组], type: integer, min: 0}\n", i, i, (i+4)/5)
	}
	s := newSeederOf(t, db, &campaign.Source{Name: "wide.yaml", YAML: []byte(yaml.String()),
		Files: map[string][]byte{"units.tsv": src.Files["zhejiang_2018_counties.tsv"]}})
	for i, code := range s.c.Units["330100"].Children {
		values := map[string]string{}
		for k := 1; k <= 30; k++ {
			values[fmt.Sprintf("f%d", k)] = fmt.Sprint(i*k + 3)
		}
		s.submit(code, "m", record(values), "approved")
	}
	return s.c
}

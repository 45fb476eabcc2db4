// Package reportstest seeds what the measurements at a country's scale run
// on (the reports', the desk's, the bot's): the built-in campaign over
// 2,900 counties, and every county's returns approved.
package reportstest

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"tianbao/campaign"
	"tianbao/campaigns"
	"tianbao/store"
)

// NationalCampaign is the built-in campaign over 2,900 counties in 330
// cities.
func NationalCampaign(tb testing.TB) *campaign.Source { return Country(tb, "national", 2900, 330) }

// Country is the built-in campaign with the id over a country's units
// table: counties spread evenly over cities.
func Country(tb testing.TB, id string, counties, cities int) *campaign.Source {
	src, err := campaigns.Builtin(campaigns.BuiltinID)
	if err != nil {
		tb.Fatal(err)
	}
	var units strings.Builder
	units.WriteString("city_code\tcity\tcounty_code\tcounty\tkind\n")
	for i := 0; i < counties; i++ {
		city := i * cities / counties
		fmt.Fprintf(&units, "4%03d00\t市%d\t5%05d\t县%d\t%s\n", city, city, i, i, []string{"市辖区", "县", "县级市"}[i%3])
	}
	yaml := strings.Replace(string(src.YAML), "id: "+campaigns.BuiltinID, "id: "+id, 1)
	yaml = strings.Replace(yaml, "file: zhejiang_2018_counties.tsv", "file: national.tsv", 1)
	return &campaign.Source{Name: id + ".yaml", YAML: []byte(yaml), Files: map[string][]byte{"national.tsv": []byte(units.String())}}
}

// SeedNational fills, in SQL, every county's 附件3 and 20 parks of 附件2
// (8 可建成, 6 完成改造提升, 6 开工建设), all approved.
func SeedNational(tb testing.TB, db *store.DB) *campaign.Campaign {
	ctx := context.Background()
	c, _, err := campaigns.Install(ctx, db, NationalCampaign(tb))
	if err != nil {
		tb.Fatal(err)
	}
	stmts := []string{
		`INSERT INTO drafts (campaign_id, unit_code, form_id, status, flags)
			SELECT 'national', code, f, 'approved', '{"done":{"completed":true,"upgraded":true,"started":true}}'
			FROM units, unnest(ARRAY['a2','a3']) f WHERE campaign_id = 'national' AND level = 'county'`,
		`INSERT INTO answers (campaign_id, unit_code, form_id, section_id, row_key, field_id, value)
			SELECT 'national', u.code, 'a3', 'main', '', f.id, f.v
			FROM units u, (VALUES ('built','3'),('upgraded','1'),('mfg_count','3'),('mfg_land','120.5'),('mfg_firms','60'),
				('svc_count','1'),('svc_area','4.2'),('svc_firms','25'),('target','150')) AS f(id, v)
			WHERE u.campaign_id = 'national' AND u.level = 'county'`,
		`INSERT INTO answer_rows (campaign_id, unit_code, form_id, section_id, row_key, seq)
			SELECT 'national', u.code, 'a2', CASE WHEN n <= 8 THEN 'completed' WHEN n <= 14 THEN 'upgraded' ELSE 'started' END, 'r' || n, n
			FROM units u, generate_series(1, 20) n WHERE u.campaign_id = 'national' AND u.level = 'county'`,
		`INSERT INTO answers (campaign_id, unit_code, form_id, section_id, row_key, field_id, value)
			SELECT r.campaign_id, r.unit_code, 'a2', r.section_id, r.row_key, f.id,
				CASE f.id WHEN 'name' THEN '园区' || r.unit_code || '-' || r.seq WHEN 'address' THEN '某某路 ' || r.seq || ' 号'
					WHEN 'ptype' THEN '生产制造类' WHEN 'industry' THEN '智能装备' WHEN 'mode' THEN '政府主导开发'
					WHEN 'content' THEN '厂房改造提升' WHEN 'land' THEN '50' WHEN 'area' THEN '6' ELSE '2019-06' END
			FROM answer_rows r, (VALUES ('name'),('address'),('ptype'),('industry'),('mode'),('content'),('land'),('area'),('finish'),('start')) AS f(id)
			WHERE r.campaign_id = 'national' AND r.form_id = 'a2'
				AND NOT (r.section_id = 'upgraded' AND f.id IN ('mode','start'))
				AND NOT (r.section_id <> 'upgraded' AND f.id = 'content')
				AND NOT (r.section_id = 'started' AND f.id = 'finish')
				AND NOT (r.section_id <> 'started' AND f.id = 'start')`,
		// Exports hold what was accepted: each county's approved
		// submission (a snapshot of the answers above), and each city's
		// package of them, approved by the province.
		`INSERT INTO submissions (campaign_id, unit_code, form_id, version, campaign_version, data, status)
			SELECT d.campaign_id, d.unit_code, d.form_id, 1, 1, jsonb_build_object('sections', COALESCE((
				SELECT jsonb_object_agg(x.sec, x.rows) FROM (
					SELECT r.section_id AS sec, jsonb_agg(jsonb_build_object('key', r.row_key, 'values', r.vals) ORDER BY r.seq) AS rows
					FROM (SELECT a.section_id, a.row_key, COALESCE(max(ar.seq), 0) AS seq, jsonb_object_agg(a.field_id, a.value) AS vals
						FROM answers a LEFT JOIN answer_rows ar ON ar.campaign_id = a.campaign_id AND ar.unit_code = a.unit_code
							AND ar.form_id = a.form_id AND ar.section_id = a.section_id AND ar.row_key = a.row_key
						WHERE a.campaign_id = d.campaign_id AND a.unit_code = d.unit_code AND a.form_id = d.form_id
						GROUP BY a.section_id, a.row_key) r
					GROUP BY r.section_id) x), '{}'::jsonb)), 'approved'
			FROM drafts d WHERE d.campaign_id = 'national'`,
		`INSERT INTO submissions (campaign_id, unit_code, form_id, version, campaign_version, data, status)
			SELECT 'national', c.code, 'pkg:' || f, 1, 1, jsonb_build_object('sections', jsonb_build_object('units',
				(SELECT jsonb_agg(jsonb_build_object('key', s.unit_code, 'values', jsonb_build_object('submission', s.id::text, 'version', '1')) ORDER BY u.position)
					FROM units u JOIN submissions s ON s.campaign_id = u.campaign_id AND s.unit_code = u.code AND s.form_id = f
					WHERE u.campaign_id = 'national' AND u.parent_code = c.code))), 'approved'
			FROM units c, unnest(ARRAY['a2','a3']) f WHERE c.campaign_id = 'national' AND c.level = 'city'`,
		`ANALYZE`,
	}
	for _, s := range stmts {
		if _, err := db.ExecContext(ctx, s); err != nil {
			tb.Fatal(err)
		}
	}
	c.Version = 1
	return c
}

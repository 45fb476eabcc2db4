package campaigns

import (
	"strings"
	"testing"

	"tianbao/campaign"
)

func TestBuiltinCampaign(t *testing.T) {
	src, err := Builtin(BuiltinID)
	if err != nil {
		t.Fatal(err)
	}
	c, err := campaign.Load(src)
	if err != nil {
		t.Fatalf("built-in campaign does not load:\n%v", err)
	}
	var ids []string
	for _, f := range c.Forms {
		ids = append(ids, f.ID)
	}
	if got := strings.Join(ids, ","); got != "a1,a2,a3,policies,a4" {
		t.Errorf("forms = %s", got)
	}
	counts := map[campaign.Level]int{}
	for _, u := range c.Units {
		counts[u.Level]++
	}
	if counts[campaign.Province] != 1 || counts[campaign.City] != 11 || counts[campaign.County] != 89 {
		t.Errorf("units by level = %v, want 1/11/89", counts)
	}
	if u := c.Units["330106"]; u == nil || u.Name != "西湖区" || u.Parent != "330100" {
		t.Errorf("330106 = %+v", u)
	}
	a2 := c.Form("a2")
	if len(a2.Sections) != 3 || a2.Sections[1].Title != "完成改造提升" || a2.Sections[1].Field("content") == nil {
		t.Errorf("a2 sections wrong: %+v", a2.Sections)
	}
	a3 := c.Form("a3").Sections[0]
	if len(a3.Fields) != 9 || len(a3.Rules) != 7 || !a3.Total {
		t.Errorf("a3: %d fields, %d rules, total %v", len(a3.Fields), len(a3.Rules), a3.Total)
	}
	// 5 rules of the file and the soft bounds of 制造类占地 and 服务类面积.
	if r := a3.Rules[len(a3.Rules)-1]; r.ID != "usual_svc_area_max" || !r.Soft {
		t.Errorf("a3's last rule: %+v", r)
	}
	if c.Form("a1").Sections[0].Field("contact").Kind != campaign.PersonName {
		t.Error("a1's 联系人 is not a person's name")
	}
	if d := c.Form("a1").Due[campaign.County].Format("2006-01-02"); d != "2018-12-05" {
		t.Errorf("a1 county due %s", d)
	}
	if d := c.Form("a4").Due[campaign.City].Format("2006-01-02"); d != "2019-03-31" {
		t.Errorf("a4 city due %s", d)
	}
	if !strings.Contains(c.Help, "0571-87059132") {
		t.Errorf("help lacks the phone: %q", c.Help)
	}
}

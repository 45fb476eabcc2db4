package campaign_test

import (
	"reflect"
	"testing"

	"tianbao/campaign"
)

// TestCloneIsDeepAndClean: a clone is the draft as it stands, without its
// change log, sharing nothing with it (the store keeps clones of drafts
// between turns and hands out clones of those).
func TestCloneIsDeepAndClean(t *testing.T) {
	d := campaign.NewDraft("c", "330106", "a2")
	d.Set("info", "", "name", "西湖区")
	key := d.AddListRow("parks")
	d.Set("parks", key, "area", "12.5")
	d.SetDone("parks", true)
	d.Confirm("parks/"+key+"/ratio", "abc")
	d.SetStatus(campaign.StatusReturned)
	d.Flags.Reason, d.Flags.Flagged = "请核实", []string{"parks/" + key + "/area"}

	c := d.Clone()
	if c.Dirty() || len(c.Changes()) != 0 {
		t.Errorf("the clone carries changes: %+v", c.Changes())
	}
	if c.Campaign != d.Campaign || c.Unit != d.Unit || c.Form != d.Form || c.Status != d.Status || c.NextRow != d.NextRow ||
		!reflect.DeepEqual(c.Flags, d.Flags) || !reflect.DeepEqual(c.Sections, d.Sections) {
		t.Fatalf("the clone differs:\n%+v\n%+v", c, d)
	}
	// Changing the clone leaves the original alone.
	c.Set("parks", key, "area", "99")
	c.SetDone("parks", false)
	c.Confirm("other", "x")
	c.Flags.Flagged[0] = "changed"
	c.AddListRow("parks")
	if v, _ := d.Value("parks", key, "area"); v != "12.5" || !d.Flags.Done["parks"] || d.Flags.Soft["other"] != "" ||
		d.Flags.Flagged[0] == "changed" || len(d.Rows("parks")) != 1 {
		t.Errorf("changing the clone changed the original: %+v", d)
	}
	// A new field in Draft must be copied by Clone too.
	if n := reflect.TypeOf(campaign.Draft{}).NumField(); n != 14 {
		t.Errorf("Draft has %d fields; Clone copies 12 and leaves the 2 of the change log: update it", n)
	}
}

package webapp_test

import (
	"context"
	"strconv"
	"strings"
	"testing"
	"time"

	"tianbao/campaigns"
	"tianbao/dialogs/dialogtest"
)

// TestTheDeskShowsWhatIsLateUp: every county of 杭州市 has returned 附件3
// and the city approved them all, but never forwarded them. After the
// city's date the province's desk shows 杭州市's 附件3 as 已审核未上报 and
// late, and the city's own desk says what it has not forwarded up.
func TestTheDeskShowsWhatIsLateUp(t *testing.T) {
	d := newDesk(t)
	c, err := d.env.Registry.Campaign(context.Background(), campaigns.BuiltinID)
	if err != nil {
		t.Fatal(err)
	}
	for _, code := range c.Units["330100"].Children {
		if code != "330102" && code != "330106" { // the seed's two have submitted
			d.env.Contact(code, "联系人").SubmitA3("1", "0", "1", "10", "5", "0", "0", "0", "5")
		}
	}
	d.city.Inbox()
	for _, m := range d.city.Last {
		if !strings.Contains(m.Text, "附件3") {
			continue
		}
		d.city.Last = append(d.city.Last[:0:0], m)
		d.city.Press("✅ 通过").Expect("已通过")
	}
	d.env.Now = time.Date(2018, 12, 11, 9, 30, 0, 0, dialogtest.Shanghai)
	bctx := newBrowser(t)

	prov := d.open(t, bctx, android, "8.0", userProvince, light, "", "desk")
	col := eval[int](t, prov, `Array.from(document.querySelectorAll("#matrix thead th")).findIndex(th => th.textContent.startsWith("附件3"))`)
	cell := eval[string](t, prov, `(() => { const td = document.querySelector('#matrix tr[data-unit="330100"]').cells[`+strconv.Itoa(col)+`]; return td.dataset.state + "|" + td.textContent + "|" + td.querySelector(".st").classList.contains("late"); })()`)
	if cell != "pkg_ready|已审核未上报|true" {
		t.Errorf("杭州市's 附件3 on the province's desk: %s", cell)
	}
	if due := eval[string](t, prov, `document.querySelectorAll("#matrix thead th")[`+strconv.Itoa(col)+`].textContent`); !strings.Contains(due, "12月10日截止") {
		t.Errorf("the cities' date above 附件3: %q", due)
	}
	if n := eval[string](t, prov, `document.querySelector('#matrix tfoot tr[data-count="pkg_ready"]')?.cells[`+strconv.Itoa(col)+`]?.textContent || ""`); n != "1" {
		t.Errorf("已审核未上报 counted %q", n)
	}
	screenshot(t, prov, "desk-province-late-up")

	city := d.open(t, bctx, android, "8.0", userHangzhou, light, "", "desk")
	if owes := eval[string](t, city, `document.getElementById("owes")?.textContent || ""`); !strings.Contains(owes, "本级未上报：") ||
		!strings.Contains(owes, "附件3 已审核未上报") || !strings.Contains(owes, "附件1 未上报") {
		t.Errorf("the city's desk: %q", owes)
	}
	screenshot(t, city, "desk-city-late-up")
}

package owed

import (
	"fmt"
	"strings"
	"time"

	"tianbao/campaign"
	"tianbao/catalog"
)

// Describe names what one unit owes, grouped and short: its returns first
// (附件1、附件2), then its packages by where they stand (附件4 已审核未上报);
// the periods of one standing return together (新设企业 2026年9月、10月). A
// package of a form whose own return is missing too is not named twice.
func Describe(items []Item) string {
	own := map[string]bool{}
	var returns []*campaign.Form
	for _, it := range items {
		if !it.Package {
			own[it.Form.ID] = true
			returns = append(returns, it.Form)
		}
	}
	var parts []string
	if len(returns) > 0 {
		parts = append(parts, FormList(returns))
	}
	t := catalog.LateTexts
	for _, g := range []struct{ status, tag string }{{Ready, t.PackageReadyTag}, {Returned, t.PackageReturnedTag}, {None, t.PackageTag}} {
		var forms []*campaign.Form
		for _, it := range items {
			if it.Package && it.Status == g.status && !own[it.Form.ID] {
				forms = append(forms, it.Form)
			}
		}
		if len(forms) > 0 {
			parts = append(parts, FormList(forms)+" "+g.tag)
		}
	}
	return strings.Join(parts, "；")
}

// FormList names forms in a line: their short names, a standing return's
// periods after its name (进度季报 2019年1-3月、1-6月).
func FormList(forms []*campaign.Form) string {
	var b strings.Builder
	var prev *campaign.Form
	for _, f := range forms {
		switch {
		case prev != nil && f.Period != nil && prev.Period != nil && f.Base() == prev.Base():
			label := f.Period.Label
			if y := fmt.Sprintf("%d年", prev.Period.Year()); f.Period.Year() == prev.Period.Year() && strings.HasPrefix(label, y) {
				label = strings.TrimPrefix(label, y)
			}
			b.WriteString(catalog.LateTexts.PeriodSep + label)
		default:
			if prev != nil {
				b.WriteString("、")
			}
			b.WriteString(f.ShortName())
		}
		prev = f
	}
	return b.String()
}

// MostDaysLate is how many days the oldest of the items is past its due
// date at now (0 when none is).
func MostDaysLate(items []Item, now time.Time, loc *time.Location) int {
	most := 0
	for _, it := range items {
		if it.LateAt(now) {
			if d := -campaign.DaysLeft(now, it.Due, loc); d > most {
				most = d
			}
		}
	}
	return most
}

// Named is a unit's name and what it owes (Describe).
type Named struct{ Name, Owes string }

// Grouped names units that owe the same together, short: 下城区、江干区（附件1、
// 附件2）；拱墅区（附件3）, groups in the order they first appear; at most n
// names in all, then 等 N 个.
func Grouped(list []Named, n int, more string) string {
	var order []string
	byOwes := map[string][]string{}
	for _, x := range list {
		if _, ok := byOwes[x.Owes]; !ok {
			order = append(order, x.Owes)
		}
		byOwes[x.Owes] = append(byOwes[x.Owes], x.Name)
	}
	var parts []string
	shown := 0
	for _, o := range order {
		names := byOwes[o]
		if shown+len(names) > n {
			names = names[:n-shown]
		}
		if len(names) == 0 {
			break
		}
		shown += len(names)
		parts = append(parts, strings.Join(names, "、")+"（"+o+"）")
	}
	out := strings.Join(parts, "；")
	if shown < len(list) {
		out += fmt.Sprintf(more, len(list))
	}
	return out
}

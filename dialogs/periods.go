package dialogs

import (
	"fmt"
	"strconv"

	"tianbao/campaign"
)

// Every period of a standing return can be opened: the start screen lists
// the newest ones still to do (and the latest), and for a return with more
// open periods than it lists, a button to all of them, newest first, a page
// at a time.

// periodsPage is how many periods a page of the list shows.
const periodsPage = 8

// olderButtons are the start screen's buttons to the whole list of a
// standing return's periods, where it has open periods the screen does not
// list.
func (t *turn) olderButtons(shown []*campaign.Form) [][]Button {
	count := map[string]int{}
	first := map[string]*campaign.Form{}
	var order []string
	for _, f := range shown {
		if f.Period == nil {
			continue
		}
		if count[f.Template] == 0 {
			order = append(order, f.Template)
			first[f.Template] = f
		}
		count[f.Template]++
	}
	var out [][]Button
	for _, base := range order {
		open := t.camp.OpenPeriods(base, t.now())
		if len(open) > count[base] {
			out = append(out, []Button{{Label: fmt.Sprintf(msg.BtnAllPeriods, first[base].Short, len(open)),
				Data: "periods:" + t.camp.FormIndex(first[base])}})
		}
	}
	return out
}

// periodsScreen lists a standing return's open periods, newest first, each
// with where the unit stands on it and a button that opens it.
func (t *turn) periodsScreen() error {
	open := t.camp.OpenPeriods(t.s.Form, t.now())
	if len(open) == 0 || !open[0].FilledByUnit(t.unit) {
		t.s.Mode, t.s.Form, t.s.Page = ModeHome, "", 0
		return t.show()
	}
	pages := (len(open) + periodsPage - 1) / periodsPage
	t.s.Page = min(max(t.s.Page, 0), pages-1)
	drafts, err := t.tx.Drafts(t.ctx, t.c.Campaign, t.c.Unit)
	if err != nil {
		return err
	}
	if t.draft != nil {
		drafts[t.draft.Form] = t.draft
	}
	page := ""
	if pages > 1 {
		page = fmt.Sprintf(msg.PeriodsPageOf, t.s.Page+1, pages)
	}
	text := fmt.Sprintf(msg.PeriodsHead, open[0].Short, open[0].Title, len(open), page)
	var buttons [][]Button
	for i := t.s.Page * periodsPage; i < len(open) && i < (t.s.Page+1)*periodsPage; i++ {
		f := open[i]
		d := drafts[f.ID]
		if d == nil {
			d = campaign.NewDraft(t.c.Campaign, t.c.Unit, f.ID)
		}
		status := statusText(f, d)
		text += fmt.Sprintf("\n%d. %s · %s", i+1, f.Period.Label, status)
		buttons = append(buttons, []Button{{Label: fmt.Sprintf("%s（%s）", f.Period.Label, status), Data: openPrefix + t.camp.FormIndex(f)}})
	}
	var nav []Button
	if t.s.Page > 0 {
		nav = append(nav, Button{Label: msg.BtnNewerPeriods, Data: "page:" + strconv.Itoa(t.s.Page-1)})
	}
	if t.s.Page < pages-1 {
		nav = append(nav, Button{Label: msg.BtnOlderPeriods, Data: "page:" + strconv.Itoa(t.s.Page+1)})
	}
	if len(nav) > 0 {
		buttons = append(buttons, nav)
	}
	buttons = append(buttons, []Button{{Label: msg.BtnHome, Data: "home"}})
	t.screen(text, buttons)
	return nil
}

// periodsButton is a press on the list of periods: another page, or back
// to the start screen (a period's own button opens it wherever pressed).
func (t *turn) periodsButton(name, arg string) error {
	switch name {
	case "page":
		if n, err := strconv.Atoi(arg); err == nil {
			t.s.Page = n
			return t.show()
		}
	case "home":
		t.s.Mode, t.s.Form, t.s.Page = ModeHome, "", 0
		return t.show()
	}
	t.note(msg.Stale)
	return t.show()
}

// allPeriods opens the list of a standing return's periods from the start
// screen's button.
func (t *turn) allPeriods(arg string) error {
	f := t.camp.FormAt(arg)
	if f == nil || f.Period == nil || !f.FilledByUnit(t.unit) {
		t.note(msg.Stale)
		return t.show()
	}
	t.s.Mode, t.s.Form, t.s.Page = ModePeriods, f.Template, 0
	return t.show()
}

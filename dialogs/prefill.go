package dialogs

import (
	"tianbao/campaign"
)

// prefill fills a standing return's new period, before it is started:
// the sections and fields that carry take the last period's rows and
// answers (its approved submission, else its latest, else its draft; for
// the first period of a file that names last year's campaign, there), and
// a list with a seed whose last period had no rows takes them from the
// seed's approved return. Everything prefilled is there to confirm or
// change.
func (t *turn) prefill(f *campaign.Form, d *campaign.Draft) error {
	var last *campaign.Snapshot
	if f.Prev != "" && f.Carries() {
		var err error
		if last, err = t.earlier(f.PrevCampaign, f.Prev); err != nil {
			return err
		}
		if last == nil {
			campaignID := f.PrevCampaign // last year's file, for the first period
			if campaignID == "" {
				campaignID = t.c.Campaign
			}
			pd, err := t.tx.Draft(t.ctx, campaignID, t.c.Unit, f.Prev)
			if err != nil {
				return err
			}
			if pd.Started() {
				snap := pd.Snapshot()
				last = &snap
			}
		}
	}
	for _, s := range f.Sections {
		rows := []campaign.SnapshotRow(nil)
		if last != nil {
			rows = last.Sections[s.ID]
		}
		carried := false
		for _, r := range rows {
			values := map[string]string{}
			for _, fd := range s.Fields {
				if v, ok := r.Values[fd.ID]; ok && (s.Carry || fd.Carry) {
					values[fd.ID] = v
				}
			}
			if len(values) == 0 {
				continue
			}
			key := r.Key
			if s.Kind == campaign.List {
				key = d.AddListRow(s.ID)
			}
			for id, v := range values {
				d.Set(s.ID, key, id, v)
			}
			carried = true
		}
		if !carried && s.Seed != nil {
			if err := t.seed(s, d); err != nil {
				return err
			}
		}
	}
	return nil
}

// seed adds a list's rows from the unit's approved return of another form.
func (t *turn) seed(s *campaign.Section, d *campaign.Draft) error {
	sub, err := t.tx.EarlierReturn(t.ctx, s.Seed.Campaign, t.c.Unit, s.Seed.Form)
	if err != nil || sub == nil || sub.Status != SubApproved {
		return err
	}
	for _, from := range s.Seed.Sections {
		for _, r := range sub.Data.Sections[from] {
			key := ""
			for to, field := range s.Seed.Fields {
				if v := r.Values[field]; v != "" {
					if key == "" {
						key = d.AddListRow(s.ID)
					}
					d.Set(s.ID, key, to, v)
				}
			}
		}
	}
	return nil
}

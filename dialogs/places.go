package dialogs

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"tianbao/campaign"
	"tianbao/catalog"
)

// A person holds any number of places (contacts): several campaigns,
// several units. A chat is one conversation for all of them, so every
// button says which place it acts in (Bind), /start lists the places when
// there are several, and a message about a place names it first (Heading).

// MaxButtonData is Telegram's limit on a button's data, in bytes.
const MaxButtonData = 64

// boundMark begins a button's data that names its place: @<contact in base
// 36>:<data>. No other data begins with it (a screen's begins with a digit,
// an item's with a letter).
const boundMark = "@"

// The buttons that lead from one place to another: a place's start screen
// (bound to that place), and the list of the person's places.
const (
	homePrefix   = "hm:"
	placesPrefix = "cp:"
	openPrefix   = "of:" // of:<form index>, a start screen's form
)

// Bind names the place a button acts in. The transport binds every button
// of a message to the contact the message is for, so that a press reaches
// that place whatever the person did since — answered another campaign,
// switched, or came back a month later — and is refused in anyone else's
// hands. Data already bound stays as it is; data that would outgrow
// Telegram's 64 bytes stays unbound, and acts, as before there were places,
// on the person's current one.
func Bind(contact int64, data string) string {
	if data == "" || contact <= 0 || strings.HasPrefix(data, boundMark) {
		return data
	}
	b := boundMark + strconv.FormatInt(contact, 36) + ":" + data
	if len(b) > MaxButtonData {
		return data
	}
	return b
}

// Bound reads a bound button's data: its contact and the data proper.
func Bound(data string) (contact int64, rest string, ok bool) {
	body, found := strings.CutPrefix(data, boundMark)
	if !found {
		return 0, data, false
	}
	id, rest, found := strings.Cut(body, ":")
	n, err := strconv.ParseInt(id, 36, 64)
	if !found || err != nil || n <= 0 {
		return 0, data, false
	}
	return n, rest, true
}

// BindAll is rows with every button bound to contact (a copy: replies may
// be recorded as the engine made them).
func BindAll(rows [][]Button, contact int64) [][]Button {
	if len(rows) == 0 {
		return rows
	}
	out := make([][]Button, len(rows))
	for i, row := range rows {
		out[i] = make([]Button, len(row))
		for j, b := range row {
			if b.WebApp == "" {
				b.Data = Bind(contact, b.Data)
			}
			out[i][j] = b
		}
	}
	return out
}

// HomeButton is the data that opens a place's start screen, bound to it.
func HomeButton(contact int64) string { return Bind(contact, homePrefix) }

// HomePrefix opens the start screen of the place a message is for (the
// transport binds it): a notice that a campaign has begun for someone.
const HomePrefix = homePrefix

// Heading is the first line of a message about a place, for a person who
// holds more than one: the campaign's short name, with the unit's when the
// person has places in more than one unit of that campaign.
func Heading(c *campaign.Campaign, unit string, withUnit bool) string {
	if u := c.Units[unit]; withUnit && u != nil {
		return fmt.Sprintf(catalog.People.HeadingUnit, c.ShortName(), u.Name)
	}
	return fmt.Sprintf(catalog.People.Heading, c.ShortName())
}

// WithHeading puts heading first in r's text, unless r names its places
// itself (a list of places, reminders of several campaigns in one).
func WithHeading(r Reply, heading string) Reply {
	if heading != "" && !r.Headed {
		r.Text = heading + "\n" + r.Text
		r.Headed = true
	}
	return r
}

// Present binds every button of a place's replies to it and, for a person
// with several places (places of them, inCampaign in c's campaign), names
// the place in each reply's first line: what every channel sends.
func Present(ctx context.Context, camps Campaigns, places, inCampaign int, c *Contact, replies []Reply) []Reply {
	heading := ""
	if places > 1 && c.Campaign != "" {
		if camp, err := camps.Campaign(ctx, c.Campaign); err == nil {
			heading = Heading(camp, c.Unit, inCampaign > 1)
		}
	}
	out := make([]Reply, len(replies))
	for i, r := range replies {
		r.Buttons = BindAll(r.Buttons, c.ID)
		out[i] = WithHeading(r, heading)
	}
	return out
}

// placesScreen lists the person's places, each with what waits there and
// the nearest deadline, and a button into each. With one place it is the
// start screen.
func (t *turn) placesScreen() error {
	places, err := t.tx.Places(t.ctx, t.c)
	if err != nil {
		return err
	}
	if len(places) <= 1 {
		t.s.Mode, t.s.Form = ModeHome, ""
		return t.show()
	}
	t.s.Mode, t.s.Form = ModePlaces, ""
	var b strings.Builder
	fmt.Fprintf(&b, catalog.People.PlacesHead, len(places))
	var buttons [][]Button
	for i, p := range places {
		pt, err := t.placeView(p)
		if err != nil {
			return err
		}
		if pt == nil {
			continue // a unit its campaign no longer has
		}
		current := ""
		if p.ID == t.c.ID {
			current = catalog.People.PlaceCurrent
		}
		fmt.Fprintf(&b, "\n\n"+catalog.People.PlaceLine, i+1, pt.camp.ShortName(), pt.unit.Name, RoleName(p.Role), current)
		waits, err := pt.waits()
		if err != nil {
			return err
		}
		b.WriteString("\n    " + waits)
		buttons = append(buttons, []Button{{Label: fmt.Sprintf(catalog.People.PlaceEnter, pt.camp.ShortName(), pt.unit.Name),
			Data: HomeButton(p.ID)}})
	}
	b.WriteString("\n\n" + catalog.People.PlaceChoose)
	t.screen(b.String(), buttons)
	t.replies[len(t.replies)-1].Headed = true
	return nil
}

// placeView is a turn's view of another of the person's places, for reading what
// waits there (nil when its unit is gone from the campaign). Nothing of it
// is saved: the turn is this place's.
func (t *turn) placeView(p Contact) (*turn, error) {
	if p.ID == t.c.ID {
		return t, nil
	}
	camp, err := t.Campaigns.Campaign(t.ctx, p.Campaign)
	if err != nil {
		return nil, fmt.Errorf("campaign of place %d: %w", p.ID, err)
	}
	unit := camp.Units[p.Unit]
	if unit == nil {
		return nil, nil
	}
	c := p
	return &turn{Engine: t.Engine, ctx: t.ctx, tx: t.tx, c: &c, camp: camp, unit: unit, s: &Session{}}, nil
}

// waits says what waits at this place: forms to fill (and how many came
// back), reviews, and the nearest deadline of what is still to fill.
func (t *turn) waits() (string, error) {
	drafts, err := t.tx.Drafts(t.ctx, t.c.Campaign, t.c.Unit)
	if err != nil {
		return "", err
	}
	if t.draft != nil {
		drafts[t.draft.Form] = t.draft
	}
	now := t.now()
	done := func(f *campaign.Form) bool {
		d := drafts[f.ID]
		return d != nil && (d.Status == campaign.StatusSubmitted || d.Status == campaign.StatusApproved)
	}
	var parts []string
	items, err := t.pending()
	if err != nil {
		return "", err
	}
	if len(items) > 0 {
		parts = append(parts, fmt.Sprintf(catalog.People.PlaceToReview, len(items)))
	}
	toFill, returned := 0, 0
	var nearest time.Time
	for _, f := range t.camp.ShownFor(t.unit, now, done) {
		if done(f) || !f.OpenAt(now) {
			continue
		}
		toFill++
		if d := drafts[f.ID]; d != nil && d.Status == campaign.StatusReturned {
			returned++
		}
		if due, ok := t.dueFor(f); ok && (nearest.IsZero() || due.Before(nearest)) {
			nearest = due
		}
	}
	if toFill > 0 {
		fill := fmt.Sprintf(catalog.People.PlaceToFill, toFill)
		if returned > 0 {
			fill += "（" + fmt.Sprintf(catalog.People.PlaceReturned, returned) + "）"
		}
		parts = append(parts, fill)
	}
	if len(parts) == 0 {
		return catalog.People.PlaceNothing, nil
	}
	line := fmt.Sprintf(catalog.People.PlaceWaits, strings.Join(parts, " · "))
	if !nearest.IsZero() {
		day := nearest.In(t.camp.TimeZone).Format("2006年1月2日")
		switch left := campaign.DaysLeft(now, nearest, t.camp.TimeZone); {
		case left > 0:
			line += " · " + fmt.Sprintf(catalog.People.PlaceDue, day, left)
		case left == 0:
			line += " · " + fmt.Sprintf(catalog.People.PlaceDueToday, day)
		default:
			line += " · " + fmt.Sprintf(catalog.People.PlaceOverdue, day, -left)
		}
	}
	return line, nil
}

// placesButton is the start screen's way to the person's other places.
func (t *turn) placesButton() []Button {
	if t.places <= 1 {
		return nil
	}
	return []Button{{Label: fmt.Sprintf(catalog.People.PlaceSwitch, t.places), Data: placesPrefix}}
}

// Holder is someone who holds a role in a unit: a place of theirs.
type Holder struct {
	Contact int64
	Name    string
	Role    Role
	Shared  bool // the roster's role: it holds in every campaign that shares the roster
}

// Removal is what taking a place away did.
type Removal struct {
	Name, Unit, Campaign string
	Role                 Role
	Campaigns            []string // every campaign the person lost the place in
}

// ErrNotHolder: the place to take away is gone already.
var ErrNotHolder = errors.New("not among the unit's people")

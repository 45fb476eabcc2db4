package dialogs

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"tianbao/catalog"
)

// InviteTTL is how long an invitation made in the chat stays valid.
const InviteTTL = 7 * 24 * time.Hour

// invitePrefix marks the buttons of the invitation menu. They carry no
// authority: every press is checked against the presser's rights.
// inv:u:<unit> (the unit's people), inv:r:<unit>:<role> (an invite),
// inv:x|y:<unit>:<contact> (remove, replace someone: asked first),
// inv:X|Y:<unit>:<contact> (confirmed).
const invitePrefix = "inv:"

// Inviter makes invitations (store implements it). It is called outside
// the turn's transaction: an invitation made for a turn that then fails is
// one link nobody was shown, which expires.
type Inviter interface {
	CreateInvite(ctx context.Context, campaign, unit string, role Role, expires time.Time, by int64) (token string, err error)
}

// inviteMenu (/invite) lists the units a reviewer may invite contacts for:
// their own and those right below.
func (t *turn) inviteMenu() error {
	if !t.reviews() || t.Invites == nil {
		t.note(catalog.Texts.InviteOnlyReviewers)
		return t.show()
	}
	rows := [][]Button{{{Label: t.unit.Name, Data: invitePrefix + "u:" + t.unit.Code}}}
	for _, code := range t.unit.Children {
		rows = append(rows, []Button{{Label: t.camp.Units[code].Name, Data: invitePrefix + "u:" + code}})
	}
	t.replies = append(t.replies, Reply{Text: catalog.Texts.InviteChooseUnit, Buttons: rows})
	return nil
}

// mayInvite is exactly what the menu offers: a unit of the presser's
// subtree, as a filler, or as a reviewer of a unit with units below it.
func (t *turn) mayInvite(unit string, role Role) bool {
	u := t.camp.Units[unit]
	if !t.reviews() || t.Invites == nil || u == nil || !t.camp.InSubtree(t.c.Unit, unit) {
		return false
	}
	return role == Filler || (role == Reviewer && len(u.Children) > 0)
}

// inviteButton handles the menu: a unit, then a role, then the link.
func (t *turn) inviteButton(rest string) error {
	parts := strings.Split(rest, ":")
	say := func(text string, rows [][]Button) error {
		t.replies = append(t.replies, Reply{Text: text, Buttons: rows, Replace: t.pressed})
		return nil
	}
	switch {
	case len(parts) == 2 && parts[0] == "u":
		unit := parts[1]
		if !t.mayInvite(unit, Filler) {
			t.warn("refused an invite button", "contact", t.c.ID, "unit", unit)
			return say(catalog.Texts.InviteNotAllowed, nil)
		}
		// Who holds a role there now, each with 移除 and 更换, then the
		// invitation by role.
		text, rows, err := t.unitPeople(unit)
		if err != nil {
			return err
		}
		row := []Button{{Label: catalog.Texts.RoleFiller, Data: invitePrefix + "r:" + unit + ":" + string(Filler)}}
		if len(t.camp.Units[unit].Children) > 0 {
			row = append(row, Button{Label: catalog.Texts.RoleReviewer, Data: invitePrefix + "r:" + unit + ":" + string(Reviewer)})
		}
		text += fmt.Sprintf(catalog.Texts.InviteChooseRole, t.camp.Units[unit].Name)
		return say(text, append([][]Button{row}, rows...))
	case len(parts) == 3 && strings.Contains("xyXY", parts[0]) && len(parts[0]) == 1:
		return t.rosterButton(parts[0], parts[1], parts[2])
	case len(parts) == 3 && parts[0] == "r":
		unit, role := parts[1], Role(parts[2])
		if (role != Filler && role != Reviewer) || !t.mayInvite(unit, role) {
			t.warn("refused an invite button", "contact", t.c.ID, "unit", unit, "role", role)
			return say(catalog.Texts.InviteNotAllowed, nil)
		}
		expires := t.now().Add(InviteTTL)
		token, err := t.Invites.CreateInvite(t.ctx, t.c.Campaign, unit, role, expires, t.c.ID)
		if err != nil {
			return err
		}
		link := "/start " + token
		if t.InviteLink != nil {
			link = t.InviteLink(token)
		}
		return say(fmt.Sprintf(catalog.Texts.InviteLink, t.camp.Units[unit].Name, RoleName(role),
			expires.In(t.camp.TimeZone).Format("2006年1月2日 15:04"), link), nil)
	}
	return say(catalog.Texts.InviteNotAllowed, nil)
}

func (t *turn) warn(msg string, args ...any) {
	if t.Log != nil {
		t.Log.Warn(msg, args...)
	}
}

// unitPeople lists who holds a role in a unit, for its reviewers: each
// with a button to remove them and one to replace them.
func (t *turn) unitPeople(unit string) (string, [][]Button, error) {
	holders, err := t.tx.Holders(t.ctx, t.c.Campaign, unit)
	if err != nil {
		return "", nil, err
	}
	p := catalog.People
	var b strings.Builder
	fmt.Fprintf(&b, p.RosterTitle, t.camp.Units[unit].Name)
	if len(holders) == 0 {
		b.WriteString(p.RosterNobody)
	}
	var rows [][]Button
	shared := false
	for _, h := range holders {
		fmt.Fprintf(&b, "\n"+p.RosterPerson, h.Name, RoleName(h.Role))
		shared = shared || h.Shared
		if h.Contact == t.c.ID || !t.mayInvite(unit, h.Role) {
			continue // oneself, or a role this reviewer could not have given
		}
		id := strconv.FormatInt(h.Contact, 36)
		rows = append(rows, []Button{
			{Label: fmt.Sprintf(p.RosterRemove, h.Name), Data: invitePrefix + "x:" + unit + ":" + id},
			{Label: fmt.Sprintf(p.RosterReplace, h.Name), Data: invitePrefix + "y:" + unit + ":" + id},
		})
	}
	if shared {
		b.WriteString("\n" + p.RosterShared)
	}
	b.WriteString("\n\n")
	return b.String(), rows, nil
}

// rosterButton asks before taking a person's place in a unit away (x:
// remove, y: replace) and does it when confirmed (X, Y): every press is
// checked against the presser's rights and the unit's people as they are.
func (t *turn) rosterButton(what, unit, id string) error {
	p := catalog.People
	say := func(text string, rows [][]Button) error {
		t.replies = append(t.replies, Reply{Text: text, Buttons: rows, Replace: t.pressed})
		return nil
	}
	contact, err := strconv.ParseInt(id, 36, 64)
	if err != nil || t.camp.Units[unit] == nil {
		return say(p.RosterNotAllowed, nil)
	}
	holders, err := t.tx.Holders(t.ctx, t.c.Campaign, unit)
	if err != nil {
		return err
	}
	var h *Holder
	for i := range holders {
		if holders[i].Contact == contact {
			h = &holders[i]
		}
	}
	if h == nil {
		return say(p.RosterGone, nil)
	}
	if contact == t.c.ID || !t.mayInvite(unit, h.Role) {
		t.warn("refused a roster button", "contact", t.c.ID, "unit", unit, "target", contact)
		return say(p.RosterNotAllowed, nil)
	}
	unitName, role := t.camp.Units[unit].Name, RoleName(h.Role)
	scope := ""
	if h.Shared {
		scope = p.RosterEverywhere
	}
	switch what {
	case "x":
		return say(fmt.Sprintf(p.RosterConfirmRemove, h.Name, unitName, role, scope),
			[][]Button{{{Label: p.RosterYes, Data: invitePrefix + "X:" + unit + ":" + id}, {Label: p.RosterNo, Data: invitePrefix + "u:" + unit}}})
	case "y":
		return say(fmt.Sprintf(p.RosterConfirmReplace, unitName, role, h.Name, scope),
			[][]Button{{{Label: p.RosterYes, Data: invitePrefix + "Y:" + unit + ":" + id}, {Label: p.RosterNo, Data: invitePrefix + "u:" + unit}}})
	}
	replace := what == "Y"
	if replace && t.Invites == nil {
		return say(catalog.Texts.InviteOnlyReviewers, nil)
	}
	r, err := t.tx.RemovePlace(t.ctx, contact, t.c, replace)
	if errors.Is(err, ErrNotHolder) {
		return say(p.RosterGone, nil)
	}
	if err != nil {
		return err
	}
	// The person is told, in the place they lost.
	by := t.unit.Name
	if t.c.Name != "" {
		by += " " + t.c.Name
	}
	if err := t.tx.Notify(t.ctx, []Notification{{ContactID: contact, Kind: "removed",
		Reply: Reply{Text: fmt.Sprintf(p.RosterYouLeft, unitName, role, by)}}}); err != nil {
		return err
	}
	t.notified = true
	where := fmt.Sprintf(p.RosterCampaigns, len(r.Campaigns))
	if !replace {
		return say(fmt.Sprintf(p.RosterRemoved, h.Name, unitName, role, where), nil)
	}
	expires := t.now().Add(InviteTTL)
	token, err := t.Invites.CreateInvite(t.ctx, t.c.Campaign, unit, h.Role, expires, t.c.ID)
	if err != nil {
		return err
	}
	link := "/start " + token
	if t.InviteLink != nil {
		link = t.InviteLink(token)
	}
	return say(fmt.Sprintf(p.RosterReplaced, h.Name, unitName, role, where,
		expires.In(t.camp.TimeZone).Format("2006年1月2日 15:04"), link), nil)
}

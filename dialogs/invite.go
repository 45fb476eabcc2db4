package dialogs

import (
	"context"
	"fmt"
	"strings"
	"time"

	"tianbao/catalog"
)

// InviteTTL is how long an invitation made in the chat stays valid.
const InviteTTL = 7 * 24 * time.Hour

// invitePrefix marks the buttons of the invitation menu. They carry no
// authority: every press is checked against the presser's rights.
const invitePrefix = "inv:" // inv:u:<unit>, inv:r:<unit>:<role>

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
		row := []Button{{Label: catalog.Texts.RoleFiller, Data: invitePrefix + "r:" + unit + ":" + string(Filler)}}
		if len(t.camp.Units[unit].Children) > 0 {
			row = append(row, Button{Label: catalog.Texts.RoleReviewer, Data: invitePrefix + "r:" + unit + ":" + string(Reviewer)})
		}
		return say(fmt.Sprintf(catalog.Texts.InviteChooseRole, t.camp.Units[unit].Name), [][]Button{row})
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

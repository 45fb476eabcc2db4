package wecombot

import (
	"bufio"
	"fmt"
	"io"
	"strings"
	"unicode/utf8"

	"tianbao/campaign"
	"tianbao/campaign/parse"
	"tianbao/catalog"
	"tianbao/dialogs"
	"tianbao/store"
	"tianbao/wecom"
)

// An enrolment file names the WeCom members who hold a role in a unit, so
// that a whole province is enrolled at once (tianbao wecom enrol): a
// tab-separated table with a header row naming its columns, in any order:
//
//	unit    role      userid     name
//	330106  filler    zhangsan   张三
//	330100  reviewer  lisi       李四
//
// unit is a unit's code in the campaign (单位代码 also names the column),
// role filler, reviewer or admin (填报人, 审核人, 管理员; the column 职责),
// userid the member's UserID in WeCom's address book (账号, 企业微信账号),
// name how the bot names them (姓名, optional: the UserID). A member may
// hold roles in several units (a line each); the same member twice in one
// unit is a mistake. Lines starting with # and empty lines are skipped.

// MaxEnrolmentBytes bounds an enrolment file (a country's counties, a few
// contacts each, is well under 1 MB).
const MaxEnrolmentBytes = 8 << 20

var enrolColumns = map[string]string{
	"unit": "unit", "单位代码": "unit", "单位": "unit", "code": "unit",
	"role": "role", "职责": "role", "角色": "role",
	"userid": "userid", "user_id": "userid", "wecom_userid": "userid", "账号": "userid", "企业微信账号": "userid",
	"name": "name", "姓名": "name",
}

var enrolRoles = map[string]dialogs.Role{
	"filler": dialogs.Filler, "reviewer": dialogs.Reviewer, "admin": dialogs.Admin,
	catalog.Texts.RoleFiller: dialogs.Filler, catalog.Texts.RoleReviewer: dialogs.Reviewer, catalog.Texts.RoleAdmin: dialogs.Admin,
}

// EnrolmentProblem is a line of the file that cannot be applied.
type EnrolmentProblem struct {
	Line int
	Msg  string
}

func (p EnrolmentProblem) Error() string { return fmt.Sprintf("line %d: %s", p.Line, p.Msg) }

// ParseEnrolment reads an enrolment file against a campaign's units. Every
// problem is reported, with its line; a file with any is applied not at all.
func ParseEnrolment(r io.Reader, camp *campaign.Campaign) ([]store.Enrolment, []EnrolmentProblem) {
	var out []store.Enrolment
	var probs []EnrolmentProblem
	bad := func(line int, format string, a ...any) {
		probs = append(probs, EnrolmentProblem{Line: line, Msg: fmt.Sprintf(format, a...)})
	}
	data, err := io.ReadAll(io.LimitReader(r, MaxEnrolmentBytes+1))
	if err != nil {
		return nil, []EnrolmentProblem{{Msg: err.Error()}}
	}
	if len(data) > MaxEnrolmentBytes {
		return nil, []EnrolmentProblem{{Msg: fmt.Sprintf("the file is over %d MB", MaxEnrolmentBytes>>20)}}
	}
	if !utf8.Valid(data) {
		return nil, []EnrolmentProblem{{Msg: "the file is not UTF-8 text (save it from the spreadsheet as UTF-8, tab-separated)"}}
	}
	sc := bufio.NewScanner(strings.NewReader(strings.TrimPrefix(string(data), "\ufeff")))
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	col := map[string]int{}
	seen := map[string]int{}
	n := 0
	for sc.Scan() {
		n++
		text := strings.TrimRight(sc.Text(), "\r")
		if strings.TrimSpace(text) == "" || strings.HasPrefix(strings.TrimSpace(text), "#") {
			continue
		}
		cells := strings.Split(text, "\t")
		for i := range cells {
			cells[i] = strings.TrimSpace(cells[i])
		}
		if len(col) == 0 {
			for i, h := range cells {
				name, ok := enrolColumns[strings.ToLower(h)]
				switch {
				case !ok:
					bad(n, "column %q is not one of unit, role, userid, name", h)
				case col[name] != 0:
					bad(n, "column %s given twice", name)
				default:
					col[name] = i + 1
				}
			}
			for _, need := range []string{"unit", "role", "userid"} {
				if col[need] == 0 {
					bad(n, "no %s column (the header names unit, role, userid and name, tab-separated)", need)
				}
			}
			if len(probs) > 0 {
				return nil, probs
			}
			continue
		}
		cell := func(name string) string {
			if i := col[name]; i > 0 && i <= len(cells) {
				return cells[i-1]
			}
			return ""
		}
		e := store.Enrolment{Unit: cell("unit"), UserID: cell("userid"), Name: parse.Clean(cell("name"))}
		role, ok := enrolRoles[strings.ToLower(cell("role"))]
		switch {
		case camp.Units[e.Unit] == nil:
			bad(n, "unit %q is not in campaign %s (the codes: tianbao units --campaign %s)", e.Unit, camp.ID, camp.ID)
			continue
		case !ok:
			bad(n, "role %q: want filler, reviewer or admin", cell("role"))
			continue
		}
		if err := wecom.CheckUserID(e.UserID); err != nil {
			bad(n, "userid %q is not a WeCom UserID (1–64 letters, digits, and - _ . @)", e.UserID)
			continue
		}
		e.Role = role
		if e.Name == "" {
			e.Name = e.UserID
		}
		k := e.Unit + "\x00" + store.WeComKey(e.UserID)
		if first, dup := seen[k]; dup {
			bad(n, "%s is given a role in %s twice (line %d too)", e.UserID, e.Unit, first)
			continue
		}
		seen[k] = n
		out = append(out, e)
	}
	if err := sc.Err(); err != nil {
		bad(n+1, "%v", err)
	}
	if len(col) == 0 && len(probs) == 0 {
		bad(1, "the file is empty: a header row (unit, role, userid, name) and a line per member")
	}
	return out, probs
}

// Welcome is the message an enrolled member gets in the app: their place,
// and a button to its start screen.
func Welcome(camp *campaign.Campaign) func(store.Enrolment) dialogs.Reply {
	return func(e store.Enrolment) dialogs.Reply {
		unit := e.Unit
		if u := camp.Units[e.Unit]; u != nil {
			unit = u.Name
		}
		// HomeButton(0) is the start screen's data unbound: the sender binds
		// it to the new place.
		return dialogs.Reply{Text: fmt.Sprintf(catalog.WeCom.EnrolWelcome, unit, dialogs.RoleName(e.Role)),
			Buttons: [][]dialogs.Button{{{Label: catalog.WeCom.Start, Data: dialogs.HomeButton(0)}}}}
	}
}

package dialogs

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"

	"tianbao/campaign"
)

// The notice's spreadsheet on the desk's page: the form's page offers the
// unit's template and takes it back filled. An upload is the chat's import
// (importSheet: the same reading, checks and diff) for the place the page
// is at and the form it shows, nothing else: a file for another unit,
// campaign, form or period is refused there, not routed. What the file
// would change of the answers already there waits for 确认 in the
// contact's session, where a file sent in the chat waits too, so that the
// page shows a diff the chat is asking about, the chat goes on from a diff
// decided on the page, and whichever decides first, the other finds it
// decided.

// SheetDiff is what a template sent back would change, waiting for 确认:
// the lines as shown, and a token that names them (deciding names the
// diff it was shown, so that a newer file's is never applied unseen).
type SheetDiff struct {
	Head  string   `json:"head"`
	Lines []string `json:"lines"`
	Token string   `json:"token"`
}

// PageSheet is what an upload, or a decision on its changes, did.
type PageSheet struct {
	Filled  int `json:"filled"`
	Changed int `json:"changed,omitempty"`
	// Retry: a template made now would do (the file was laid out from an
	// older version, or its layout was changed).
	Retry bool `json:"retry,omitempty"`
	// Issues are the cells refused and what still blocks submission, each
	// named as printed and placed at its cell.
	Issues []SheetIssue `json:"issues,omitempty"`
}

// sheetToken names a diff by its form and lines.
func sheetToken(w *SheetWalk) string {
	h := sha256.New()
	h.Write([]byte(w.Form))
	if w.Pending != nil {
		for _, l := range w.Pending.Lines {
			h.Write([]byte{0})
			h.Write([]byte(l))
		}
	}
	return hex.EncodeToString(h.Sum(nil)[:8])
}

// PageImport imports a filled template into the form the page shows: what
// was empty and is valid goes into the draft, what it would change waits
// for PageSheetDecide (and for the chat's 确认, the same), and the cells
// refused and left are the result's Sheet.Issues.
func (e *Engine) PageImport(ctx context.Context, contact int64, formID string, content []byte) (*PageResult, error) {
	if e.Sheets == nil {
		return nil, errors.New("import a sheet on the page: no reader")
	}
	return e.page(ctx, contact, formID, func(t *turn, f *campaign.Form, d *campaign.Draft, res *PageResult) error {
		if !editable(f, d, res) {
			return nil
		}
		if len(content) > maxSheetBytes {
			res.Refused = sheetText.NotSheet
			return nil
		}
		id, err := t.Sheets.IdentifySheet(content)
		var refusal *SheetRefusal
		if err != nil && !errors.As(err, &refusal) {
			return err
		}
		if refusal == nil {
			// The page is one place's form: a file made for anything else
			// is refused here, with what it is for.
			name := id.UnitName
			if name == "" {
				name = id.Unit
			}
			switch {
			case id.Campaign != t.c.Campaign:
				res.Refused = fmt.Sprintf(sheetText.SheetWrongCampaign, name, t.camp.ShortName())
				return nil
			case id.Unit != t.c.Unit:
				res.Refused = fmt.Sprintf(pageText.SheetOtherUnit, name, t.unit.Name)
				return nil
			case id.Form != f.ID:
				other := id.Form
				if of := t.camp.Form(id.Form); of != nil {
					other = of.Name()
				}
				res.Refused = fmt.Sprintf(pageText.SheetOtherForm, other, f.Name())
				return nil
			}
		}
		out, err := t.importSheet(id, refusal, content, false)
		if err != nil {
			return err
		}
		if out.Refused != "" {
			res.Refused, res.Sheet = out.Refused, &PageSheet{Retry: out.Retry}
			return nil
		}
		res.Sheet = &PageSheet{Filled: out.Filled, Issues: out.Issues}
		if out.Filled == 0 && len(out.Pending) == 0 {
			res.Done = fmt.Sprintf(sheetText.ImportedNothing, f.Name())
		} else {
			res.Done = fmt.Sprintf(sheetText.Imported, f.Name(), out.Filled)
		}
		if len(out.Pending) > 0 {
			// Kept for 确认, where the chat keeps a file's: a diff the chat
			// was showing is superseded, and its buttons go stale.
			t.keepSheet = true
			if t.s.Mode == ModeSheetDiff {
				t.s.Seq++
			}
		}
		return nil
	})
}

// PageSheetDecide applies (✅ 按表格修改) or leaves (保留原答案) the
// changes a template sent back waits for, on the page or in the chat:
// token names the diff the page showed; another (a newer file's), or none
// (decided meanwhile), is refused and the page shows what stands.
func (e *Engine) PageSheetDecide(ctx context.Context, contact int64, formID, token string, apply bool) (*PageResult, error) {
	return e.page(ctx, contact, formID, func(t *turn, f *campaign.Form, d *campaign.Draft, res *PageResult) error {
		if !editable(f, d, res) {
			return nil
		}
		w := t.s.Sheet
		if w == nil || w.Form != f.ID || w.Pending == nil || sheetToken(w) != token {
			res.Refused = pageText.SheetDecided
			return nil
		}
		sheet := &PageSheet{}
		if apply {
			sheet.Changed = t.applyPending(f, d, w.Pending)
			res.Done = fmt.Sprintf(sheetText.DiffApplied, sheet.Changed)
		} else {
			res.Done = fmt.Sprintf(sheetText.DiffKept, len(w.Pending.Lines))
		}
		w.Pending = nil
		t.collectIssues(f, d)
		sheet.Issues = w.Items
		res.Sheet = sheet
		t.keepSheet = true
		// The chat, asking about these changes, goes on with the walk of
		// what is left (sheetDiff); elsewhere it has nothing to follow.
		if t.s.Mode != ModeSheetDiff || t.s.Form != f.ID {
			t.s.Sheet = nil
		}
		return nil
	})
}

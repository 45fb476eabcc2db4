package dialogs

import (
	"context"

	"tianbao/campaign"
)

// What the engine knows of the notice's spreadsheet filled offline: a
// template (the unit's form laid out as the notice prints it, sent by
// /template) comes back as a file, and a SheetReader (package reports,
// which lays the template out) says what it is and what its cells hold.
// The engine checks it against the person's places and the campaign,
// applies every cell through the checks of a typed answer, and walks what
// is left (see sheets.go).

// SheetID is what a template says it is: the place and the form it was
// made for, and the campaign's version it was laid out from.
type SheetID struct {
	Campaign string
	Version  int
	Form     string // a period's own id for a standing return
	Unit     string
	UnitName string // as the file names it, for a refusal
}

// SheetFile is a filled template read cell by cell.
type SheetFile struct {
	SheetID
	// Cells are every input cell of the form, empty ones included, in the
	// order they are printed.
	Cells []SheetCell
}

// SheetCell is one input cell as a person filled it.
type SheetCell struct {
	Section string
	// Row is the draft's row: "" in a record, a table row's key, a list
	// row's key as the template was made, or "+n" for the n-th empty row
	// the template offered for a new one.
	Row   string
	Field string
	// Text is what the cell holds, read as a person typed it: a number as
	// it shows (15 significant digits), a date cell as its date, a number
	// stored as text as its text.
	Text string
	// Where names the cell as printed: 第 6 行「占地面积（亩）」.
	Where string
}

// SheetReader reads templates; reports.Templates is one.
type SheetReader interface {
	// IdentifySheet reads what a file says it is, nothing more. A file
	// that is no template (not a spreadsheet, or not one made by
	// /template) is a *SheetRefusal.
	IdentifySheet(content []byte) (*SheetID, error)
	// ReadSheet reads a template of campaign c (its version already
	// checked): the form's sheet must be laid out as the template was,
	// else a *SheetRefusal says what differs.
	ReadSheet(ctx context.Context, c *campaign.Campaign, content []byte) (*SheetFile, error)
}

// SheetRefusal is why a file cannot be read as a template, in words for
// the person.
type SheetRefusal struct{ Text string }

func (r *SheetRefusal) Error() string { return r.Text }

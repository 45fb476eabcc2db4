package reports

import (
	"bytes"
	"context"
	"fmt"
	"time"

	"tianbao/campaign"
	"tianbao/catalog"
	"tianbao/dialogs"
	"tianbao/store"
)

// Rendered is an attachment made ready to send: its file name and bytes,
// a caption, and whether it is a picture (sent as a photo) or a document.
type Rendered struct {
	Name, Caption string
	Content       []byte
	Photo         bool
}

// Render makes what a reply's attachment names: a stored document, a
// spreadsheet (a package's form as the package carries it), or a progress
// chart. The engine decided who may have it; the transports (the bot, the
// console) only fetch or make it, the same way.
func Render(ctx context.Context, db *store.DB, c *campaign.Campaign, a *dialogs.Attachment, now time.Time) (*Rendered, error) {
	switch {
	case a.File != "":
		f, err := db.FileByRef(ctx, a.File)
		if err != nil {
			return nil, err
		}
		name := a.Name
		if name == "" {
			name = f.Name
		}
		return &Rendered{Name: name, Content: f.Content}, nil
	case a.Export != nil:
		var buf bytes.Buffer
		opt := ExportOptions{Package: a.Export.Package}
		if a.Export.Form != "" {
			opt.Forms = []string{a.Export.Form}
		}
		if err := (Exporter{DB: db}).WriteXLSX(ctx, &buf, c, a.Export.Unit, opt); err != nil {
			return nil, err
		}
		return &Rendered{Name: ExportName(c, a.Export, now), Content: buf.Bytes()}, nil
	case a.Template != nil:
		var buf bytes.Buffer
		if err := (Templates{DB: db}).Write(ctx, &buf, c, a.Template.Unit, a.Template.Form, now); err != nil {
			return nil, err
		}
		return &Rendered{Name: TemplateName(c, a.Template), Content: buf.Bytes()}, nil
	case a.Chart != "":
		png, err := (Charts{DB: db}).Progress(ctx, c, a.Chart, now)
		if err != nil {
			return nil, err
		}
		return &Rendered{Name: "进度.png", Content: png, Photo: true,
			Caption: fmt.Sprintf(catalog.Texts.ChartCaption, c.Units[a.Chart].Name)}, nil
	}
	return nil, nil
}

// TemplateName names a template: the form, the unit, 填报表.
func TemplateName(c *campaign.Campaign, t *dialogs.TemplateRef) string {
	name := t.Form
	if f := c.Form(t.Form); f != nil {
		name = f.ShortName()
	}
	return campaign.FileName(name+"-"+c.Units[t.Unit].Name+"-"+catalog.Sheets.FileSuffix+".xlsx", nil)
}

// ExportName names a spreadsheet file: campaign, unit, form, and the
// package or the moment, in the campaign's zone.
func ExportName(c *campaign.Campaign, e *dialogs.ExportRef, now time.Time) string {
	name := c.ID + "-" + c.Units[e.Unit].Name
	if f := c.Form(e.Form); f != nil {
		name += "-" + f.ShortName()
	}
	if e.Package != 0 {
		name += "-上报汇总"
	}
	return name + "-" + now.In(c.TimeZone).Format("20060102-1504") + ".xlsx"
}

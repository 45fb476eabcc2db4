package dialogs

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"tianbao/campaign"
)

// Files are kept only when a file field asks for one and it passes the
// field's checks: the engine fetches an upload only then, and stores it in
// the turn's transaction with the answer that refers to it. A file sent at
// any other moment, or refused, is neither downloaded nor stored. Each unit
// has a quota, and the same file sent twice is stored once.

// FileInput is a file a person sent. The transport says what it knows
// without fetching it; Load fetches it, and is called only when the file
// is wanted, at most once however often the turn is tried.
type FileInput struct {
	Name string // the name it was sent under
	Size int64  // the size the transport reported before fetching (0: unknown)
	// UniqueID is the transport's id of the file itself (Telegram's
	// file_unique_id, the same for the same file however often it is
	// forwarded): a file the unit stored already under it is not fetched
	// again, nor stored twice.
	UniqueID string
	// Load returns the content, or a *FileRefusal that the person is told
	// (too big to fetch, lost on the way); any other error means try the
	// input again.
	Load func(ctx context.Context) ([]byte, error)

	content []byte
	loaded  bool
}

// fetch loads the content once.
func (in *FileInput) fetch(ctx context.Context) ([]byte, error) {
	if in.loaded {
		return in.content, nil
	}
	if in.Load == nil {
		return nil, errors.New("file input without content")
	}
	content, err := in.Load(ctx)
	if err != nil {
		return nil, err
	}
	in.content, in.loaded = content, true
	return content, nil
}

// FileRefusal is why the transport could not fetch a file, in words for
// the person.
type FileRefusal struct{ Text string }

func (r *FileRefusal) Error() string { return r.Text }

// StoredFile is a file a unit stored before.
type StoredFile struct {
	Ref   string
	Size  int64
	Kinds []string
}

// FileUpload is a file the engine keeps: new content, or a stored file
// (Reuse) the same upload named again.
type FileUpload struct {
	Campaign, Unit, Form, Field string
	Name                        string
	Kinds                       []string // SniffFile's verdict
	Size                        int64
	Content                     []byte // nil with Reuse
	Reuse                       string // a StoredFile's Ref
	UniqueID                    string
	Actor                       int64
	Quota                       FileQuota
}

// FileQuota is what one unit may store: bytes in all, and files per field
// (a list's rows share their field). Files no answer refers to any longer
// count until they are removed, a grace period later.
type FileQuota struct {
	UnitBytes int64
	PerField  int
}

// The default quota: ten of the largest files Telegram lets a bot fetch,
// and more files per field than a county has policies.
const (
	DefaultUnitBytes = 200 << 20
	DefaultPerField  = 100
)

func (e *Engine) fileQuota() FileQuota {
	q := e.FileQuota
	if q.UnitBytes <= 0 {
		q.UnitBytes = DefaultUnitBytes
	}
	if q.PerField <= 0 {
		q.PerField = DefaultPerField
	}
	return q
}

// QuotaError is an upload past its unit's quota, with the figures.
type QuotaError struct {
	Used, Limit int64 // bytes, or (PerField) files
	PerField    bool
}

func (e *QuotaError) Error() string {
	if e.PerField {
		return fmt.Sprintf("%d files of %d for the field", e.Used, e.Limit)
	}
	return fmt.Sprintf("%d bytes of %d for the unit", e.Used, e.Limit)
}

// ErrFileGone is SaveFile's answer when the stored file to reuse was
// removed meanwhile: the content must be fetched after all.
var ErrFileGone = errors.New("the stored file was removed")

func (t *turn) file(in *FileInput) error {
	// A filled template sent back, wherever the contact stands.
	if handled, err := t.sheetFile(in); handled || err != nil {
		return err
	}
	f, sec, fd := t.position()
	if t.s.Mode != ModeField || fd == nil || fd.Type != campaign.File {
		t.note(msg.FileNotExpected)
		return t.show()
	}
	value, refused, err := t.storeFile(f.ID, fd, in)
	if err != nil {
		return err
	}
	if refused != "" {
		t.note("%s", refused)
		return t.show()
	}
	return t.accept(f, sec, fd, value, false)
}

// storeFile checks an upload for a file field of form as the field asks
// (its size, its kind by content, the unit's quota) and stores it, and
// returns the answer it makes, or why it was refused (nothing stored).
func (t *turn) storeFile(form string, fd *campaign.Field, in *FileInput) (value, refused string, err error) {
	if fd.MaxBytes > 0 && in.Size > fd.MaxBytes {
		return "", fmt.Sprintf(msg.FileTooBig, campaign.HumanSize(in.Size), fd.MaxBytes>>20), nil
	}
	up := FileUpload{Campaign: t.c.Campaign, Unit: t.c.Unit, Form: form, Field: fd.ID, UniqueID: in.UniqueID, Actor: t.c.ID, Quota: t.fileQuota()}
	var stored *StoredFile
	if in.UniqueID != "" && !in.loaded {
		if stored, err = t.tx.StoredFile(t.ctx, t.c.Campaign, t.c.Unit, in.UniqueID); err != nil {
			return "", "", err
		}
	}
	load := func() (string, error) {
		content, err := in.fetch(t.ctx)
		var refusal *FileRefusal
		if errors.As(err, &refusal) {
			return refusal.Text, nil
		}
		if err != nil {
			return "", err
		}
		up.Content, up.Reuse, up.Size, up.Kinds = content, "", int64(len(content)), campaign.SniffFile(content)
		return "", nil
	}
	if stored != nil {
		up.Reuse, up.Size, up.Kinds = stored.Ref, stored.Size, stored.Kinds
	} else if refused, err := load(); refused != "" || err != nil {
		return "", refused, err
	}
	up.Name = campaign.FileName(in.Name, up.Kinds)
	kind := ""
	for _, k := range up.Kinds {
		if slices.Contains(fd.FileTypes, k) {
			kind = k
			break
		}
	}
	if kind == "" {
		seen := msg.FileUnknownKind
		if len(up.Kinds) > 0 {
			seen = fmt.Sprintf(msg.FileLooksLike, strings.Join(up.Kinds, "/"))
		}
		return "", fmt.Sprintf(msg.FileWrongType, up.Name, seen, strings.Join(fd.FileTypes, "、")), nil
	}
	if fd.MaxBytes > 0 && up.Size > fd.MaxBytes {
		return "", fmt.Sprintf(msg.FileTooBig, campaign.HumanSize(up.Size), fd.MaxBytes>>20), nil
	}
	ref, err := t.tx.SaveFile(t.ctx, up)
	if errors.Is(err, ErrFileGone) {
		if refused, err := load(); refused != "" || err != nil {
			return "", refused, err
		}
		ref, err = t.tx.SaveFile(t.ctx, up)
	}
	var over *QuotaError
	switch {
	case errors.As(err, &over) && over.PerField:
		return "", fmt.Sprintf(msg.FileQuotaCount, up.Name, fd.Label, over.Used, over.Limit), nil
	case errors.As(err, &over):
		return "", fmt.Sprintf(msg.FileQuotaBytes, up.Name, campaign.HumanSize(up.Size), campaign.HumanSize(over.Used), campaign.HumanSize(over.Limit)), nil
	case err != nil:
		return "", "", err
	}
	return campaign.EncodeFile(campaign.FileValue{Name: up.Name, Kind: kind, Size: up.Size, Ref: ref}), "", nil
}

package campaigns

import (
	"bytes"
	"context"
	"errors"
	"fmt"

	"tianbao/campaign"
	"tianbao/store"
)

// The built-in campaigns follow the release. A built-in campaign is
// installed on first use from the file embedded in the binary; when a later
// release changes that file, the campaign would otherwise stay at the
// version the earlier release stored until someone ran `campaign load`.
// RefreshBuiltins, run wherever the schema is brought up to date (migrate,
// the private cluster) and when serve starts, stores the release's file as
// a new version instead, and says so.

// A stored version is a release's built-in file when it is stored under
// the built-in file's own name, campaigns/ID.yaml: Install names every
// source that is this release's built-in file so, and no other. (Versions
// stored by earlier releases were named so exactly when they were built
// in: on first use, or by `campaign load ID`.)
func builtinName(id string) string { return "campaigns/" + id + ".yaml" }

// storedName is the name src is stored under: the built-in file's own name
// when it is this release's built-in file, however it was loaded; an
// operator's file that merely lies at that path (a copy edited in place)
// gets another.
func storedName(id string, src *campaign.Source) string {
	switch {
	case isBuiltin(id, src):
		return builtinName(id)
	case src.Name == builtinName(id):
		return "./" + src.Name
	}
	return src.Name
}

// isBuiltin reports whether src is this release's built-in file for id,
// units table included: however it was loaded (first use, `campaign load
// zj-2018-14`, or the repository's file by its path), it follows the
// releases.
func isBuiltin(id string, src *campaign.Source) bool {
	b, err := Builtin(id)
	if err != nil || !bytes.Equal(b.YAML, src.YAML) || len(b.Files) != len(src.Files) {
		return false
	}
	for name, body := range b.Files {
		if other, ok := src.Files[name]; !ok || !bytes.Equal(body, other) {
			return false
		}
	}
	return true
}

// BuiltinState is what this release would do to a stored built-in campaign.
type BuiltinState int

const (
	BuiltinCurrent  BuiltinState = iota // stored as this release has it, or not built in
	BuiltinOutdated                     // an earlier release's file: this release's is stored as a new version
	BuiltinOwn                          // an operator's own file under the built-in id: left alone
)

// BuiltinPlan says where stored campaign id stands against this release's
// built-in file, and the version it is at (store.ErrNotFound: not stored).
func BuiltinPlan(ctx context.Context, db *store.DB, id string) (BuiltinState, int, error) {
	if _, err := Builtin(id); err != nil {
		return BuiltinCurrent, 0, nil // not a built-in campaign
	}
	rec, err := db.LatestCampaign(ctx, id)
	if err != nil {
		return BuiltinCurrent, 0, err
	}
	switch {
	case isBuiltin(id, sourceOf(rec)):
		return BuiltinCurrent, rec.Version, nil
	case rec.SourceName == builtinName(id):
		return BuiltinOutdated, rec.Version, nil
	default:
		return BuiltinOwn, rec.Version, nil
	}
}

// Refreshed is what RefreshBuiltins did to one campaign.
type Refreshed struct {
	ID       string
	From, To int  // the versions before and after (equal: left alone)
	Own      bool // the stored version is an operator's own file, left alone
}

// RefreshBuiltins stores this release's built-in file of every built-in
// campaign whose newest stored version is an earlier release's built-in
// file, as a new version. A campaign never stored is left to its first use;
// one whose newest version an operator loaded from a file of their own is
// left alone and reported (Own). Several replicas may run it at once: the
// store numbers versions under a lock and stores an unchanged source once.
func RefreshBuiltins(ctx context.Context, db *store.DB) ([]Refreshed, error) {
	var out []Refreshed
	for _, id := range BuiltinIDs() {
		state, version, err := BuiltinPlan(ctx, db, id)
		switch {
		case errors.Is(err, store.ErrNotFound):
			continue
		case err != nil:
			return out, fmt.Errorf("refresh built-in campaign %s: %w", id, err)
		case state == BuiltinOwn:
			out = append(out, Refreshed{ID: id, From: version, To: version, Own: true})
		case state == BuiltinOutdated:
			src, err := Builtin(id)
			if err != nil {
				return out, err
			}
			c, _, err := Install(ctx, db, src)
			if err != nil {
				return out, fmt.Errorf("refresh built-in campaign %s: %w", id, err)
			}
			out = append(out, Refreshed{ID: id, From: version, To: c.Version})
		}
	}
	return out, nil
}

package campaigns

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"strings"
	"sync"
	"time"

	"golang.org/x/sync/singleflight"

	"tianbao/campaign"
	"tianbao/store"
)

// Install validates src and stores it as the campaign's newest version (no
// new version when the source is unchanged). It returns the loaded campaign.
func Install(ctx context.Context, db *store.DB, src *campaign.Source) (c *campaign.Campaign, created bool, err error) {
	c, err = campaign.Load(src)
	if err != nil {
		return nil, false, err
	}
	files := map[string]string{}
	for name, b := range src.Files {
		files[name] = string(b)
	}
	c.Version, created, err = db.SaveCampaign(ctx, store.CampaignRecord{
		ID: c.ID, SourceName: storedName(c.ID, src), Source: string(src.YAML), Files: files,
	}, c)
	if err != nil {
		return nil, false, err
	}
	return c, created, nil
}

// BuiltinIDs lists the campaigns embedded in the binary.
func BuiltinIDs() []string {
	names, _ := fs.Glob(builtin, "*.yaml")
	ids := make([]string, len(names))
	for i, n := range names {
		ids[i] = strings.TrimSuffix(n, ".yaml")
	}
	return ids
}

// Registry hands out loaded campaigns by id, from the database, cached. A
// newer stored version is noticed within Recheck. A built-in campaign that
// was never loaded is installed on first use, so a fresh installation works
// without a `campaign load`.
type Registry struct {
	DB      *store.DB
	Recheck time.Duration

	mu      sync.Mutex
	cache   map[string]*cached
	loading singleflight.Group // one load of a campaign at a time, however many ask
}

type cached struct {
	c       *campaign.Campaign
	checked time.Time
}

// NewRegistry returns a registry over db that rechecks versions every 5 s.
func NewRegistry(db *store.DB) *Registry {
	return &Registry{DB: db, Recheck: 5 * time.Second, cache: map[string]*cached{}}
}

// Campaign returns the newest version of campaign id.
func (r *Registry) Campaign(ctx context.Context, id string) (*campaign.Campaign, error) {
	r.mu.Lock()
	e := r.cache[id]
	fresh := e != nil && time.Since(e.checked) < r.Recheck // checked is written under mu (below)
	r.mu.Unlock()
	if fresh {
		return e.c, nil
	}
	// Every worker that finds the entry missing or stale at once would check
	// and parse it: a campaign of a few thousand units takes tens of
	// milliseconds of CPU. One does; the others wait for its answer.
	c, err, _ := r.loading.Do(id, func() (any, error) {
		if e != nil {
			v, err := r.DB.CampaignVersion(ctx, id)
			if err == nil && v == e.c.Version {
				r.mu.Lock()
				e.checked = time.Now()
				r.mu.Unlock()
				return e.c, nil
			}
		}
		c, err := r.load(ctx, id)
		if err != nil {
			return nil, err
		}
		r.mu.Lock()
		r.cache[id] = &cached{c: c, checked: time.Now()}
		r.mu.Unlock()
		return c, nil
	})
	if err != nil {
		return nil, err
	}
	return c.(*campaign.Campaign), nil
}

// Warm loads every stored campaign, so that the first contacts after a
// start do not wait for it. A campaign that fails to load is reported and
// skipped: it fails again, with its error, when someone uses it.
func (r *Registry) Warm(ctx context.Context) error {
	list, err := r.DB.ListCampaigns(ctx)
	if err != nil {
		return err
	}
	var failed []string
	for _, c := range list {
		if _, err := r.Campaign(ctx, c.ID); err != nil {
			failed = append(failed, fmt.Sprintf("%s: %v", c.ID, err))
		}
	}
	if len(failed) > 0 {
		return fmt.Errorf("campaigns not loaded: %s", strings.Join(failed, "; "))
	}
	return nil
}

func (r *Registry) load(ctx context.Context, id string) (*campaign.Campaign, error) {
	c, err := Stored(ctx, r.DB, id)
	if errors.Is(err, store.ErrNotFound) {
		src, berr := Builtin(id)
		if berr != nil {
			return nil, err
		}
		c, _, err := Install(ctx, r.DB, src)
		return c, err
	}
	return c, err
}

// Stored loads the newest stored version of campaign id, and never
// installs anything (store.ErrNotFound when none is stored).
func Stored(ctx context.Context, db *store.DB, id string) (*campaign.Campaign, error) {
	rec, err := db.LatestCampaign(ctx, id)
	if err != nil {
		return nil, err
	}
	c, err := campaign.Load(sourceOf(rec))
	if err != nil {
		return nil, fmt.Errorf("stored campaign %s version %d no longer loads: %w", id, rec.Version, err)
	}
	c.Version = rec.Version
	return c, nil
}

// sourceOf is a stored version's source, as it was loaded.
func sourceOf(rec *store.CampaignRecord) *campaign.Source {
	src := &campaign.Source{Name: rec.SourceName, YAML: []byte(rec.Source), Files: map[string][]byte{}}
	for name, body := range rec.Files {
		src.Files[name] = []byte(body)
	}
	return src
}

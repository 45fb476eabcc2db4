package reminders

import (
	"context"
	"fmt"
	"log/slog"
	"sort"
	"sync"
	"time"

	"github.com/robfig/cron/v3"

	"tianbao/campaign"
	"tianbao/store"
)

// leaderKey names the advisory lock of the schedule.
const leaderKey = "tianbao:reminders"

// Campaigns hands out loaded campaigns.
type Campaigns interface {
	Campaign(ctx context.Context, id string) (*campaign.Campaign, error)
}

// Scheduler runs the reminder schedule on exactly one replica: the one that
// holds a PostgreSQL advisory lock. When it dies its connection closes and
// the lock, and the schedule, pass to another within Retry.
type Scheduler struct {
	DB        *store.DB
	Campaigns Campaigns
	Now       func() time.Time
	Log       *slog.Logger
	// CatchUp is how far back a round looks for slots it missed (a
	// replica down at 09:30, quiet hours); recorded slots are not repeated.
	CatchUp time.Duration
	// Retry is how often a replica that does not lead tries to.
	Retry time.Duration
	// OnQueued is told after a round queued messages (the sender wakes).
	OnQueued func()

	ticking sync.Mutex
}

func (s *Scheduler) defaults() {
	if s.Now == nil {
		s.Now = time.Now
	}
	if s.Log == nil {
		s.Log = slog.Default()
	}
	if s.CatchUp <= 0 {
		s.CatchUp = 6 * time.Hour
	}
	if s.Retry <= 0 {
		s.Retry = 15 * time.Second
	}
}

// Run takes part in leading the schedule until ctx ends.
func (s *Scheduler) Run(ctx context.Context) {
	s.defaults()
	for ctx.Err() == nil {
		l, err := s.DB.TryLead(ctx, leaderKey)
		if err != nil && ctx.Err() == nil {
			s.Log.Warn("reminder schedule: cannot ask for the lead", "err", err)
		}
		if l != nil {
			s.Log.Info("reminder schedule: leading")
			s.lead(ctx, l)
			l.Release()
			s.Log.Info("reminder schedule: no longer leading")
		}
		select {
		case <-ctx.Done():
			return
		case <-time.After(s.Retry):
		}
	}
}

// lead runs one cron per campaign in its time zone while the lock holds.
func (s *Scheduler) lead(ctx context.Context, l *store.Leader) {
	list, err := s.DB.ListCampaigns(ctx)
	if err != nil {
		s.Log.Warn("reminder schedule: campaigns", "err", err)
		return
	}
	var crons []*cron.Cron
	for _, item := range list {
		c, err := s.Campaigns.Campaign(ctx, item.ID)
		if err != nil {
			s.Log.Warn("reminder schedule: campaign", "campaign", item.ID, "err", err)
			continue
		}
		cr := cron.New(cron.WithLocation(c.TimeZone))
		for _, spec := range Specs(c) {
			if _, err := cr.AddFunc(spec, func() { s.Tick(ctx) }); err != nil {
				s.Log.Error("reminder schedule: bad spec", "spec", spec, "err", err)
			}
		}
		cr.Start()
		crons = append(crons, cr)
	}
	s.Tick(ctx) // catch up at once after taking the lead
	defer func() {
		for _, cr := range crons {
			<-cr.Stop().Done()
		}
	}()
	check := time.NewTicker(10 * time.Second)
	defer check.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-check.C:
			if !l.Alive(ctx) {
				return
			}
		}
	}
}

// Specs are a campaign's cron lines: each reminder time of day, and a
// catch-up every quarter hour.
func Specs(c *campaign.Campaign) []string {
	seen := map[time.Duration]bool{}
	var ats []time.Duration
	for _, f := range c.Forms {
		for _, p := range f.Reminders {
			if !seen[p.At] {
				seen[p.At] = true
				ats = append(ats, p.At)
			}
		}
	}
	sort.Slice(ats, func(i, j int) bool { return ats[i] < ats[j] })
	var specs []string
	for _, at := range ats {
		specs = append(specs, fmt.Sprintf("%d %d * * *", int(at.Minutes())%60, int(at.Hours())))
	}
	return append(specs, "*/15 * * * *")
}

// NextRuns is when a campaign's schedule fires next after t (for tests and
// the README's promise that 09:30 means 09:30 in the campaign's zone).
func NextRuns(c *campaign.Campaign, after time.Time) ([]time.Time, error) {
	var out []time.Time
	parser := cron.NewParser(cron.Minute | cron.Hour | cron.Dom | cron.Month | cron.Dow)
	for _, spec := range Specs(c) {
		sch, err := parser.Parse("CRON_TZ=" + c.TimeZone.String() + " " + spec)
		if err != nil {
			return nil, err
		}
		out = append(out, sch.Next(after))
	}
	return out, nil
}

// Tick runs a round of every campaign at the scheduler's clock, then lets
// out what they queued: a person's reminders of several campaigns due at
// the same moment as one message. A campaign's reminder times fire it, and
// so rounds of the others run too: a slot not due yet queues nothing, and
// one already recorded nothing again. Ticks run one at a time.
func (s *Scheduler) Tick(ctx context.Context) {
	s.ticking.Lock()
	defer s.ticking.Unlock()
	s.defaults()
	list, err := s.DB.ListCampaigns(ctx)
	if err != nil {
		s.Log.Warn("reminders: campaigns", "err", err)
		return
	}
	now := s.Now()
	queued := 0
	for _, item := range list {
		c, err := s.Campaigns.Campaign(ctx, item.ID)
		if err != nil {
			s.Log.Warn("reminders: campaign", "campaign", item.ID, "err", err)
			continue
		}
		planned, err := Round(ctx, s.DB, c, now.Add(-s.CatchUp), now, false)
		if err != nil {
			s.Log.Error("reminders: round failed", "campaign", item.ID, "err", err)
			continue
		}
		if len(planned) > 0 {
			s.Log.Info("reminders queued", "campaign", item.ID, "messages", len(planned))
			queued += len(planned)
		}
	}
	released, err := Release(ctx, s.DB, s.Campaigns)
	if err != nil {
		s.Log.Error("reminders: release failed (they go out unmerged when their hold ends)", "err", err, "queued", queued)
		return
	}
	if released > 0 && s.OnQueued != nil {
		s.OnQueued()
	}
}

package main

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"tianbao/campaign"
	"tianbao/campaigns"
)

func runMigrate(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "migrate", "migrate\n\nApplies every pending database migration. Safe to run twice, and from several replicas at once.")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	db, err := e.connect(ctx, true)
	if err != nil {
		return err
	}
	defer db.Close()
	current, _, err := db.SchemaVersion(ctx)
	if err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "database schema at version %d\n", current)
	return nil
}

func runCampaign(ctx context.Context, e *env, args []string) error {
	const synopsis = `campaign check FILE | campaign load FILE | campaign list

  check FILE   validate a campaign file and print its forms; exit 1 with
               FILE:LINE:COL: lines on stderr when it has problems
  load FILE    validate and store the file as the campaign's newest version
               (FILE may be a built-in campaign's id: this release's file)
  list         list stored campaigns`
	fs := newFlags(e, "campaign", synopsis)
	if err := parseArgs(fs, args); err != nil {
		return err
	}
	rest := fs.Args()
	if len(rest) == 0 {
		return badUsage(fs, "say what to do: check FILE, load FILE or list")
	}
	switch sub := rest[0]; {
	case len(rest) > 1 && (rest[1] == "-h" || rest[1] == "--help"):
		return showHelp(fs)
	case sub == "check" && len(rest) == 2:
		return campaignCheck(ctx, e, rest[1])
	case sub == "load" && len(rest) == 2:
		return campaignLoad(ctx, e, rest[1])
	case sub == "list" && len(rest) == 1:
		return campaignList(ctx, e)
	case sub == "check" || sub == "load":
		return badUsage(fs, "campaign %s takes one FILE", sub)
	case sub == "list":
		return badUsage(fs, "campaign list takes no arguments")
	default:
		return badUsage(fs, "unknown campaign subcommand %q (want check, load or list)", sub)
	}
}

// readCampaign loads FILE, or a built-in campaign by id when no such file
// exists, and prints every problem.
func readCampaign(ctx context.Context, e *env, name string) (*campaign.Source, *campaign.Campaign, error) {
	src, err := campaign.ReadFile(name)
	if err != nil {
		if b, berr := campaigns.Builtin(strings.TrimSuffix(name, ".yaml")); berr == nil {
			src, err = b, nil
		}
	}
	if err != nil {
		return nil, nil, err
	}
	c, err := campaign.LoadContext(ctx, src) // SIGTERM and Ctrl-C stop it
	var ps campaign.Problems
	if errors.As(err, &ps) {
		// Problems are diagnostics: on stderr, with the count, so that a
		// script keeping stdout (the forms printed) loses none of them.
		fmt.Fprintln(e.stderr, ps.Error())
		fmt.Fprintf(e.stderr, "%s: %d problem(s); nothing was loaded\n", name, len(ps))
		return nil, nil, exitError{1}
	}
	return src, c, err
}

func campaignCheck(ctx context.Context, e *env, name string) error {
	_, c, err := readCampaign(ctx, e, name)
	if err != nil {
		return err
	}
	printCampaign(e, c)
	return nil
}

func printCampaign(e *env, c *campaign.Campaign) {
	w := e.stdout
	fmt.Fprintf(w, "campaign %s: %s %s\n", c.ID, c.Document, c.Title)
	var levels []string
	for _, l := range c.Levels {
		levels = append(levels, fmt.Sprintf("%s %s", l.ID, l.Name))
	}
	fmt.Fprintf(w, "time zone %s; %d units; levels %s\n", c.TimeZone, len(c.Units), strings.Join(levels, ", "))
	// Deadlines counted in working days in a year whose holidays are not
	// known yet count weekends only: said, so that the author knows.
	uncovered := map[int]bool{}
	for _, f := range c.Forms {
		for _, d := range f.Due {
			if y := d.In(c.TimeZone).Year(); f.Period != nil && !c.Calendar.Covers(y) {
				uncovered[y] = true
			}
		}
	}
	for y := range uncovered {
		fmt.Fprintf(w, "note: the holidays of %d are not in the calendar yet: its working days count weekends only (see the README, \"Working days\")\n", y)
	}
	for _, f := range c.Forms {
		var levels, dues []string
		for _, l := range f.Levels {
			levels = append(levels, string(l)+assignedTo(f, l))
			dues = append(dues, fmt.Sprintf("%s %s", l, f.Due[l].Format("2006-01-02")))
		}
		fillers := 0
		for _, u := range c.Units {
			if f.FilledByUnit(u) {
				fillers++
			}
		}
		fmt.Fprintf(w, "\nform %s  %s\n  filled by %s%s (%d units); due %s\n", f.ID, f.Name(), strings.Join(levels, ", "), assignedTo(f, ""), fillers, strings.Join(dues, ", "))
		if f.PrevCampaign != "" {
			fmt.Fprintf(w, "  the period before is %s of campaign %s\n", f.Prev, f.PrevCampaign)
		}
		for _, s := range f.Sections {
			title := s.Title
			if title == "" {
				title = "-"
			}
			extra := ""
			if s.Kind == campaign.Table {
				extra = fmt.Sprintf(", %d rows", len(s.Rows))
			}
			fmt.Fprintf(w, "  section %-10s %-6s %-12s %d fields, %d rules, %d computed%s\n",
				s.ID, s.Kind, title, len(s.Fields), len(s.Rules), len(s.Computed), extra)
		}
	}
}

// assignedTo says which of a level's units fill a form, where its kinds
// and tags narrow them (" of kind 省", " tagged 开发区"); level "" for those
// given for every level.
func assignedTo(f *campaign.Form, l campaign.Level) string {
	out := ""
	if k, ok := f.Kinds[l]; ok {
		out += " of kind " + strings.Join(k, "/")
	}
	if t, ok := f.Tags[l]; ok {
		out += " tagged " + strings.Join(t, "/")
	}
	return out
}

func campaignLoad(ctx context.Context, e *env, name string) error {
	src, _, err := readCampaign(ctx, e, name)
	if err != nil {
		return err
	}
	db, err := e.connect(ctx, false)
	if err != nil {
		return err
	}
	defer db.Close()
	c, created, err := campaigns.Install(ctx, db.DB, src)
	if err != nil {
		return err
	}
	if created {
		fmt.Fprintf(e.stdout, "loaded campaign %s as version %d (%d forms, %d units)\n", c.ID, c.Version, len(c.Forms), len(c.Units))
	} else {
		fmt.Fprintf(e.stdout, "campaign %s is unchanged at version %d\n", c.ID, c.Version)
	}
	st, err := db.RosterOf(ctx, c.ID)
	if err != nil {
		return err
	}
	switch {
	case st.Shared:
		fmt.Fprintf(e.stdout, "people: the roster's, %d place(s) from it: the people registered for its units take part with their roles, without new invitations\n", st.People)
		if st.Differs != "" {
			fmt.Fprintf(e.stdout, "note: shared as roster: shared says, though units sit otherwise than in the campaigns that share the roster: %s\n", st.Differs)
		}
	case c.Roster == campaign.RosterOwn:
		fmt.Fprintln(e.stdout, "people: its own (roster: own): invite them for it (tianbao invite, or /invite in the chat)")
	default:
		fmt.Fprintf(e.stdout, "people: its own, invited for it: its units sit otherwise than in the campaigns that share the roster (%s); roster: shared in the file shares it all the same\n", st.Differs)
	}
	return nil
}

func campaignList(ctx context.Context, e *env) error {
	db, err := e.connect(ctx, false)
	if err != nil {
		return err
	}
	defer db.Close()
	list, err := db.ListCampaigns(ctx)
	if err != nil {
		return err
	}
	if len(list) == 0 {
		fmt.Fprintf(e.stdout, "no campaigns loaded (built in: %s; `tianbao campaign load FILE` loads one)\n", strings.Join(campaigns.BuiltinIDs(), ", "))
		return nil
	}
	reg := campaigns.NewRegistry(db.DB)
	for _, c := range list {
		// In the campaign's own zone, named: that is where its dates are.
		when := c.LoadedAt.Time.UTC().Format("2006-01-02 15:04 UTC")
		if camp, err := reg.Campaign(ctx, c.ID); err == nil {
			when = zoned(c.LoadedAt.Time, camp.TimeZone)
		}
		fmt.Fprintf(e.stdout, "%-16s v%-3d %4d units  loaded %s  %s\n", c.ID, c.Version, c.Units, when, c.Title)
	}
	return nil
}

func runUnits(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "units", "units --campaign ID\n\nPrints the campaign's unit hierarchy: province, cities, counties, with codes, levels, kinds and tags.")
	id := fs.String("campaign", campaigns.BuiltinID, "the campaign's `ID`")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	db, _, c, err := e.openCampaign(ctx, *id, "")
	if err != nil {
		return err
	}
	defer db.Close()
	counts := map[campaign.Level]int{}
	var walk func(code string, depth int)
	walk = func(code string, depth int) {
		u := c.Units[code]
		counts[u.Level]++
		what := c.LevelName(u.Level)
		if u.Kind != "" {
			what += ", " + u.Kind
		}
		if len(u.Tags) > 0 {
			what += "; " + strings.Join(u.Tags, "、")
		}
		fmt.Fprintf(e.stdout, "%s%s  %s  (%s)\n", strings.Repeat("  ", depth), u.Code, u.Name, what)
		for _, ch := range u.Children {
			walk(ch, depth+1)
		}
	}
	walk(c.Root, 0)
	var parts []string
	for _, l := range c.Levels {
		parts = append(parts, fmt.Sprintf("%d %s", counts[l.ID], levelNoun(l.ID, counts[l.ID])))
	}
	fmt.Fprintf(e.stdout, "\n%s\n", strings.Join(parts, ", "))
	return nil
}

// levelNoun names a level for an operator: its id, in the plural for the
// usual English ones (1 province, 11 cities, 89 counties).
func levelNoun(l campaign.Level, n int) string {
	if n == 1 {
		return string(l)
	}
	switch l {
	case campaign.City:
		return "cities"
	case campaign.County:
		return "counties"
	}
	return string(l) + "s"
}

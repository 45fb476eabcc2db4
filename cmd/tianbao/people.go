package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"
	"time"

	"tianbao/bot"
	"tianbao/campaigns"
	"tianbao/dialogs"
	"tianbao/store"
)

func runPeople(ctx context.Context, e *env, args []string) error {
	sub := "list"
	if len(args) > 0 && !strings.HasPrefix(args[0], "-") {
		sub, args = args[0], args[1:]
	}
	fs := newFlags(e, "people", `people [list] --unit CODE [--campaign ID]
people remove --unit CODE --person ID [--campaign ID]
people replace --unit CODE --person ID [--campaign ID] [--expires 168h] [--bot USERNAME]

list     who holds a role in the unit: each person's id, name and role, and
         whether the role is the roster's (it holds in every campaign that
         shares the roster, invited once)
remove   takes the person's place in the unit away: for a role of the
         roster, the role and the place in every campaign that shares it;
         recorded in the audit log, and the person is told
replace  the same, then prints an invite link for the successor, with the
         same role`)
	campaignID := fs.String("campaign", campaigns.BuiltinID, "the campaign's `ID`")
	unit := fs.String("unit", "", "the unit's `CODE`")
	person := fs.Int64("person", 0, "the person's `ID`, as people lists it")
	expires := fs.Duration("expires", 168*time.Hour, "replace: how long the successor's link stays valid (a `DURATION`: 168h)")
	botName := fs.String("bot", os.Getenv("TELEGRAM_BOT_USERNAME"), "replace: the bot's `USERNAME`")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	switch {
	case sub != "list" && sub != "remove" && sub != "replace":
		return badUsage(fs, "unknown people subcommand %q (want list, remove or replace)", sub)
	case *unit == "":
		return badUsage(fs, "--unit is required (the unit codes: tianbao units)")
	case sub != "list" && *person <= 0:
		return badUsage(fs, "people %s needs --person ID (tianbao people --unit %s lists them)", sub, *unit)
	case *expires <= 0:
		return badUsage(fs, "--expires %s: want a positive duration, e.g. 168h", *expires)
	}
	db, _, camp, err := e.openCampaign(ctx, *campaignID, *unit)
	if err != nil {
		return err
	}
	defer db.Close()
	holders, err := db.Holders(ctx, camp.ID, *unit)
	if err != nil {
		return err
	}
	unitName := camp.Units[*unit].Name
	if sub == "list" {
		if len(holders) == 0 {
			fmt.Fprintf(e.stdout, "nobody holds a role in %s %s in %s (tianbao invite --campaign %s --unit %s)\n", *unit, unitName, camp.ID, camp.ID, *unit)
		}
		for _, h := range holders {
			how := "this campaign only"
			if h.Shared {
				how = "the roster's: every campaign that shares it"
			}
			fmt.Fprintf(e.stdout, "person %-6d %-12s %-8s (%s)\n", h.Person, h.Name, h.Role, how)
		}
		return nil
	}
	var h *store.Holder
	for i := range holders {
		if holders[i].Person == *person {
			h = &holders[i]
		}
	}
	if h == nil {
		return fmt.Errorf("person %d holds no role in %s %s in %s (tianbao people --campaign %s --unit %s lists who does)", *person, *unit, unitName, camp.ID, camp.ID, *unit)
	}
	name := ""
	if sub == "replace" {
		// Asked before anything is removed: a link must be possible.
		if name = strings.TrimPrefix(*botName, "@"); name == "" {
			if name, err = botUsername(ctx); err != nil {
				return err
			}
		}
	}
	by := camp.Office
	if by == "" {
		by = "管理员"
	}
	r, err := db.RemovePlace(ctx, h.Contact, sub == "replace", by)
	if errors.Is(err, store.ErrNotHolder) {
		return fmt.Errorf("person %d no longer holds a role in %s", *person, *unit)
	}
	if err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "removed %s (person %d), %s of %s %s, from %d campaign(s): %s\n",
		r.Name, r.Person, dialogs.RoleName(r.Role), *unit, unitName, len(r.Campaigns), strings.Join(r.Campaigns, ", "))
	if sub == "remove" {
		return nil
	}
	now := time.Now()
	token, err := db.CreateInvite(ctx, store.Invite{Campaign: camp.ID, Unit: *unit, Role: r.Role, ExpiresAt: now.Add(*expires)}, 0, now)
	if err != nil {
		return err
	}
	fmt.Fprintln(e.stdout, bot.InviteLink(name, token))
	fmt.Fprintf(e.stderr, "for the successor: %s %s, valid until %s, one use\n", unitName, dialogs.RoleName(r.Role), zoned(now.Add(*expires), camp.TimeZone))
	return nil
}

// Command tianbao is the whole program: the Telegram bot, its terminal
// console, and the operator's commands (migrate, campaigns, units, exports).
// This package only wires the others together; configuration comes from the
// environment (see config.go and the README).
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"time"
	_ "time/tzdata" // campaign time zones must load on images without zoneinfo
)

// command is one subcommand.
type command struct {
	name    string
	summary string
	run     func(ctx context.Context, env *env, args []string) error
}

// env is what every command gets: configuration and the standard streams.
type env struct {
	cfg    config
	stdin  io.Reader
	stdout io.Writer
	stderr io.Writer
	log    *slog.Logger
}

// errUsage marks an error whose usage text was already printed.
var errUsage = errors.New("usage")

// exitError carries a specific exit status with an already printed message.
type exitError struct{ code int }

func (e exitError) Error() string { return fmt.Sprintf("exit status %d", e.code) }

func commands() []command {
	return []command{
		{"migrate", "apply database migrations", runMigrate},
		{"campaign", "check, load and list campaign files (campaign check|load|list)", runCampaign},
		{"units", "print a campaign's unit hierarchy with codes", runUnits},
		{"console", "chat with the bot in the terminal as a unit's contact", runConsole},
		{"export", "write the notice's tables as XLSX (the default), one form as CSV, or a ZIP", runExport},
		{"summary", "print a unit's subtree progress, as /summary shows it", runSummary},
		{"remind", "show (--dry-run) or queue the reminders due at a moment", runRemind},
		{"serve", "run the Telegram bot (long polling, or a webhook with WEBHOOK_URL)", runServe},
		{"doctor", "check the token, webhook, menu, database and campaigns before going live", runDoctor},
		{"invite", "print a one-time invite link for a unit and role", runInvite},
		{"people", "list who holds a role in a unit; remove or replace a person (people list|remove|replace)", runPeople},
		{"wecom", "enrol WeCom members from a file of units, roles and UserIDs (wecom enrol)", runWeCom},
		{"healthcheck", "ask a running server's /healthz (for container health checks)", runHealthcheck},
		{"help", "show this help", nil},
	}
}

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	os.Exit(run(ctx, os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
}

func run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	cfg, err := loadConfig()
	if err != nil {
		fmt.Fprintln(stderr, "tianbao:", err)
		return 2
	}
	e := &env{cfg: cfg, stdin: stdin, stdout: stdout, stderr: stderr, log: newLogger(stderr, cfg.LogLevel, cfg.LogFormat)}
	if len(args) == 0 || args[0] == "help" || args[0] == "-h" || args[0] == "--help" {
		if len(args) > 1 {
			return run(ctx, []string{args[1], "-h"}, stdin, stdout, stderr)
		}
		usage(stdout)
		return 0
	}
	for _, c := range commands() {
		if c.name != args[0] || c.run == nil {
			continue
		}
		err := c.run(ctx, e, args[1:])
		var ex exitError
		switch {
		case err == nil, errors.Is(err, flag.ErrHelp):
			return 0
		case errors.Is(err, errUsage):
			return 2
		case errors.As(err, &ex):
			return ex.code
		default:
			fmt.Fprintln(stderr, "tianbao "+c.name+":", err)
			return 1
		}
	}
	fmt.Fprintf(stderr, "tianbao: unknown command %q\n\n", args[0])
	usage(stderr)
	return 2
}

func usage(w io.Writer) {
	fmt.Fprint(w, `tianbao — collect official reports through a Telegram bot (填报)

Usage: tianbao COMMAND [options]    (tianbao COMMAND -h for a command's options)

Commands:
`)
	width := 0
	for _, c := range commands() {
		width = max(width, len(c.name))
	}
	for _, c := range commands() {
		fmt.Fprintf(w, "  %-*s  %s\n", width, c.name, c.summary)
	}
	fmt.Fprint(w, `
Configuration comes from the environment: DATABASE_URL (unset: a private
PostgreSQL cluster in TIANBAO_DATA), DATABASE_PASSWORD_FILE, TIANBAO_DATA,
LOG_LEVEL, LOG_FORMAT, and for serve TELEGRAM_BOT_TOKEN, TELEGRAM_API_URL, WEBHOOK_URL,
WEBHOOK_SECRET, LISTEN_ADDR, METRICS_ADDR, WORKERS, APP_URL, APP_AUTH_MAX_AGE.
See README.md.
`)
}

// flagInfo is what a command's flag set needs to explain itself.
type flagInfo struct {
	e              *env
	name, synopsis string
}

var flagInfos sync.Map // *flag.FlagSet → flagInfo

// newFlags makes a command's flag set. -h prints the usage to stdout; a
// mistake prints its reason, then the usage, to stderr (never to stdout,
// where a command may be writing data), and exits 2.
func newFlags(e *env, name, synopsis string) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(io.Discard) // flag's own messages: said by parseFlags instead
	fs.Usage = func() {}
	flagInfos.Store(fs, flagInfo{e: e, name: name, synopsis: synopsis})
	return fs
}

// printUsage writes a command's usage and options to w.
func printUsage(fs *flag.FlagSet, w io.Writer) {
	v, _ := flagInfos.Load(fs)
	info := v.(flagInfo)
	fmt.Fprintf(w, "Usage: tianbao %s\n", info.synopsis)
	if hasFlags(fs) {
		fmt.Fprintln(w, "\nOptions:")
		fs.SetOutput(w)
		fs.PrintDefaults()
		fs.SetOutput(io.Discard)
	}
}

// showHelp prints the usage for -h, to stdout.
func showHelp(fs *flag.FlagSet) error {
	v, _ := flagInfos.Load(fs)
	printUsage(fs, v.(flagInfo).e.stdout)
	return flag.ErrHelp
}

// badUsage says what is wrong with a command line, then its usage, on
// stderr, and makes the command exit 2.
func badUsage(fs *flag.FlagSet, format string, args ...any) error {
	v, _ := flagInfos.Load(fs)
	info := v.(flagInfo)
	fmt.Fprintf(info.e.stderr, "tianbao %s: %s\n\n", info.name, fmt.Sprintf(format, args...))
	printUsage(fs, info.e.stderr)
	return errUsage
}

func hasFlags(fs *flag.FlagSet) bool {
	n := 0
	fs.VisitAll(func(*flag.Flag) { n++ })
	return n > 0
}

// parseFlags parses args, which are options only: -h shows the usage; a bad
// flag is explained; anything else on the line (a stray word, or options
// after one, which flag would stop at) is refused rather than ignored.
func parseFlags(fs *flag.FlagSet, args []string) error {
	if err := parseArgs(fs, args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return badUsage(fs, "unexpected argument %q (this command takes options only)", fs.Arg(0))
	}
	return nil
}

// parseArgs parses args that may end in positional arguments (fs.Args()).
func parseArgs(fs *flag.FlagSet, args []string) error {
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return showHelp(fs)
		}
		return badUsage(fs, "%v%s", err, durationHint(fs, err))
	}
	return nil
}

// badDuration is how flag reports a value it could not parse.
var badDuration = regexp.MustCompile(`^invalid value ".*" for flag -([A-Za-z0-9-]+): `)

// durationHint is an example for a duration flag given a value Go cannot
// read (3d, 1 week): Go's durations stop at hours.
func durationHint(fs *flag.FlagSet, err error) string {
	m := badDuration.FindStringSubmatch(err.Error())
	if m == nil {
		return ""
	}
	f := fs.Lookup(m[1])
	if f == nil {
		return ""
	}
	if g, ok := f.Value.(flag.Getter); ok {
		if _, ok := g.Get().(time.Duration); ok {
			return " (want a duration in h, m or s, e.g. 72h for three days, 90m, 168h for a week)"
		}
	}
	return ""
}

// newLogger writes to w at the level, as text (key=value) or as JSON, one
// object a line, for a log collector.
func newLogger(w io.Writer, level, format string) *slog.Logger {
	var l slog.Level
	switch strings.ToLower(level) {
	case "debug":
		l = slog.LevelDebug
	case "warn":
		l = slog.LevelWarn
	case "error":
		l = slog.LevelError
	default:
		l = slog.LevelInfo
	}
	opts := &slog.HandlerOptions{Level: l}
	if strings.ToLower(format) == "json" {
		return slog.New(slog.NewJSONHandler(w, opts))
	}
	return slog.New(slog.NewTextHandler(w, opts))
}

// zoned writes a moment for an operator in a campaign's zone, named (the
// abbreviation CST would be ambiguous): 2018-12-05 09:30 Asia/Shanghai.
func zoned(t time.Time, loc *time.Location) string {
	return t.In(loc).Format("2006-01-02 15:04") + " " + loc.String()
}

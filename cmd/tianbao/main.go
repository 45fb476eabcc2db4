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
	"strings"
	"syscall"
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
		{"export", "write a unit's answers for a form as CSV", runExport},
		{"summary", "print a unit's subtree progress, as /summary shows it", runSummary},
		{"remind", "show (--dry-run) or queue the reminders due at a moment", runRemind},
		{"serve", "run the Telegram bot (long polling, or a webhook with WEBHOOK_URL)", runServe},
		{"doctor", "check the token, webhook, menu, database and campaigns before going live", runDoctor},
		{"invite", "print a one-time invite link for a unit and role", runInvite},
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
	e := &env{cfg: cfg, stdin: stdin, stdout: stdout, stderr: stderr, log: newLogger(stderr, cfg.LogLevel)}
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
	for _, c := range commands() {
		fmt.Fprintf(w, "  %-10s %s\n", c.name, c.summary)
	}
	fmt.Fprint(w, `
Configuration comes from the environment: DATABASE_URL (unset: a private
PostgreSQL cluster in TIANBAO_DATA), TIANBAO_DATA, LOG_LEVEL, and for serve
TELEGRAM_BOT_TOKEN, TELEGRAM_API_URL, WEBHOOK_URL, WEBHOOK_SECRET, LISTEN_ADDR,
WORKERS. See README.md.
`)
}

// newFlags makes a flag set whose -h prints the command's usage to stdout.
func newFlags(e *env, name, synopsis string) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(e.stderr)
	fs.Usage = func() {
		fmt.Fprintf(e.stdout, "Usage: tianbao %s\n", synopsis)
		if hasFlags(fs) {
			fmt.Fprintln(e.stdout, "\nOptions:")
			fs.SetOutput(e.stdout)
			fs.PrintDefaults()
			fs.SetOutput(e.stderr)
		}
	}
	return fs
}

func hasFlags(fs *flag.FlagSet) bool {
	n := 0
	fs.VisitAll(func(*flag.Flag) { n++ })
	return n > 0
}

// parseFlags parses args, mapping a bad flag to errUsage (flag already said why).
func parseFlags(fs *flag.FlagSet, args []string) error {
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return err
		}
		return errUsage
	}
	return nil
}

func newLogger(w io.Writer, level string) *slog.Logger {
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
	return slog.New(slog.NewTextHandler(w, &slog.HandlerOptions{Level: l}))
}

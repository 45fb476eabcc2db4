package main

import (
	"os"
	"regexp"
	"strings"
	"testing"

	"github.com/goccy/go-yaml"
)

// composeFile is the part of compose.yaml the checks below read.
type composeFile struct {
	Services map[string]struct {
		Image       string            `yaml:"image"`
		Command     []string          `yaml:"command"`
		Environment map[string]string `yaml:"environment"`
		Secrets     []string          `yaml:"secrets"`
		Ports       []string          `yaml:"ports"`
		Profiles    []string          `yaml:"profiles"`
		Volumes     []string          `yaml:"volumes"`
		Deploy      struct {
			Replicas int `yaml:"replicas"`
		} `yaml:"deploy"`
	} `yaml:"services"`
	Secrets map[string]struct {
		File string `yaml:"file"`
	} `yaml:"secrets"`
}

func readRepoFile(t *testing.T, name string) string {
	t.Helper()
	b, err := os.ReadFile("../../" + name)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// TestComposePieces: compose cannot run here (no Docker engine), so its
// pieces are checked against each other and against the README's steps
// (newcomer trial D1, D2, D14, D15).
func TestComposePieces(t *testing.T) {
	var c composeFile
	if err := yaml.Unmarshal([]byte(readRepoFile(t, "compose.yaml")), &c); err != nil {
		t.Fatal(err)
	}
	readme := readRepoFile(t, "README.md")
	i := strings.Index(readme, "## Deploying with compose")
	j := strings.Index(readme[i:], "\n## ")
	if i < 0 || j < 0 {
		t.Fatal("README has no compose section")
	}
	section := readme[i : i+j]

	// Every secret a service mounts is declared, is a file under
	// ./secrets/, and is created by the README's steps.
	for name, svc := range c.Services {
		for _, s := range svc.Secrets {
			decl, ok := c.Secrets[s]
			if !ok {
				t.Errorf("%s mounts undeclared secret %s", name, s)
				continue
			}
			if !strings.HasPrefix(decl.File, "./secrets/") {
				t.Errorf("secret %s is %s, not under ./secrets/", s, decl.File)
			}
			if !strings.Contains(section, "> "+strings.TrimPrefix(decl.File, "./")) {
				t.Errorf("the README's steps do not create %s", decl.File)
			}
		}
	}
	// What tianbao reads from a file is mounted, through a _FILE variable
	// tianbao knows; no password travels as a pgpass file.
	known := map[string]bool{"DATABASE_PASSWORD_FILE": true, "TELEGRAM_BOT_TOKEN_FILE": true, "WEBHOOK_SECRET_FILE": true}
	for _, name := range []string{"migrate", "bot"} {
		svc, ok := c.Services[name]
		if !ok {
			t.Fatalf("no %s service", name)
		}
		mounted := map[string]bool{}
		for _, s := range svc.Secrets {
			mounted["/run/secrets/"+s] = true
		}
		for k, v := range svc.Environment {
			if strings.HasPrefix(v, "/run/secrets/") {
				if !known[k] {
					t.Errorf("%s: %s names a secret, but tianbao does not read %s", name, k, k)
				}
				if !mounted[v] {
					t.Errorf("%s: %s=%s is not mounted", name, k, v)
				}
			}
			if k == "PGPASSFILE" {
				t.Errorf("%s uses a pgpass file, which lib/pq ignores or the image's user cannot read", name)
			}
		}
		if svc.Environment["DATABASE_PASSWORD_FILE"] == "" || !strings.HasPrefix(svc.Environment["DATABASE_URL"], "postgres://") {
			t.Errorf("%s: DATABASE_URL %q, DATABASE_PASSWORD_FILE %q", name, svc.Environment["DATABASE_URL"], svc.Environment["DATABASE_PASSWORD_FILE"])
		}
	}
	bot := c.Services["bot"]
	if bot.Deploy.Replicas < 2 {
		t.Errorf("the bot runs %d replica(s); the README promises several", bot.Deploy.Replicas)
	}
	// Nothing of the bot is published; /metrics has its own port.
	if len(bot.Ports) != 0 {
		t.Errorf("the bot publishes %v", bot.Ports)
	}
	listen, metrics := bot.Environment["LISTEN_ADDR"], bot.Environment["METRICS_ADDR"]
	if listen == "" || metrics == "" || listen == metrics {
		t.Errorf("LISTEN_ADDR %q, METRICS_ADDR %q: /metrics must be apart", listen, metrics)
	}
	// The proxy: webhook mode only, publishes 443 (and 80 for the
	// certificate), reaches the bot's listening port and the webhook path.
	proxy, ok := c.Services["proxy"]
	if !ok || strings.Join(proxy.Profiles, ",") != "webhook" {
		t.Fatalf("no proxy in the webhook profile: %+v", proxy)
	}
	if strings.Join(proxy.Ports, ",") != "80:80,443:443" {
		t.Errorf("proxy ports %v", proxy.Ports)
	}
	caddy := readRepoFile(t, "deploy/Caddyfile")
	port := strings.TrimPrefix(listen, ":")
	if !regexp.MustCompile(`(?m)^\s*name bot\s*$`).MatchString(caddy) || !regexp.MustCompile(`(?m)^\s*port `+port+`\s*$`).MatchString(caddy) {
		t.Errorf("the Caddyfile does not reach bot:%s:\n%s", port, caddy)
	}
	if !regexp.MustCompile(`(?m)^\s*@public path /telegram /app/\*\s*$`).MatchString(caddy) || !strings.Contains(caddy, "handle @public {") ||
		strings.Contains(caddy, "9090") || strings.Count(caddy, "handle") != 2 {
		t.Errorf("the Caddyfile passes on more than the webhook (/telegram) and the desk (/app/):\n%s", caddy)
	}
	if !strings.Contains(section, "WEBHOOK_URL=https://bot.example.org/telegram") {
		t.Errorf("the README's webhook example does not use the proxied path")
	}
	mountsCaddyfile := false
	for _, v := range proxy.Volumes {
		mountsCaddyfile = mountsCaddyfile || strings.HasPrefix(v, "./deploy/Caddyfile:/etc/caddy/Caddyfile")
	}
	if !mountsCaddyfile {
		t.Errorf("the proxy does not mount deploy/Caddyfile: %v", proxy.Volumes)
	}
	// The build context leaves the secrets and exports out; the image runs
	// as the non-root user the README names.
	ignore := readRepoFile(t, ".dockerignore")
	for _, p := range []string{"secrets/", "exports/", ".git"} {
		if !regexp.MustCompile(`(?m)^` + regexp.QuoteMeta(p) + `$`).MatchString(ignore) {
			t.Errorf(".dockerignore lacks %s", p)
		}
	}
	docker := readRepoFile(t, "Dockerfile")
	if !strings.Contains(docker, "USER nonroot:nonroot") || !strings.Contains(section, "65532") {
		t.Errorf("the image's user and the README disagree")
	}
}

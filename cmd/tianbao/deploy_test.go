package main

import (
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"

	"github.com/compose-spec/compose-go/v2/cli"
	"github.com/compose-spec/compose-go/v2/types"
)

// Docker cannot run here, so compose's pieces are checked against each
// other and against the README's steps, each read by the tool that will
// read it: compose.yaml by compose's own loader, the Caddyfile by caddy,
// the README's shell steps by bash (newcomer trial turn 3, D1, D7, D8, D9,
// D20).

func readRepoFile(t *testing.T, name string) string {
	t.Helper()
	b, err := os.ReadFile("../../" + name)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// readmeSection is the README's section under heading.
func readmeSection(t *testing.T, heading string) string {
	t.Helper()
	readme := readRepoFile(t, "README.md")
	i := strings.Index(readme, "\n## "+heading+"\n")
	if i < 0 {
		t.Fatalf("README has no section %q", heading)
	}
	rest := readme[i+1:]
	if j := strings.Index(rest[3:], "\n## "); j >= 0 {
		rest = rest[:j+3]
	}
	return rest
}

// shellBlocks are a section's ```sh blocks.
func shellBlocks(section string) []string {
	var out []string
	for _, m := range regexp.MustCompile("(?s)```sh\n(.*?)```").FindAllStringSubmatch(section, -1) {
		out = append(out, m[1])
	}
	return out
}

// runSteps runs shell lines as the README gives them, in dir, leaving out
// what needs Docker or the network (docker, git).
func runSteps(t *testing.T, dir, steps string) {
	t.Helper()
	var kept []string
	for _, line := range strings.Split(steps, "\n") {
		cmd := strings.TrimSpace(line)
		if strings.HasPrefix(cmd, "docker ") || strings.HasPrefix(cmd, "git ") {
			continue
		}
		kept = append(kept, line)
	}
	cmd := exec.Command("bash", "-euo", "pipefail", "-c", strings.Join(kept, "\n"))
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "HOME="+dir)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("the README's steps fail on a fresh clone: %v\n%s\n%s", err, strings.Join(kept, "\n"), out)
	}
}

// freshClone is a directory as a clone has it, for the README's steps:
// .env.example and the folders compose mounts.
func freshClone(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, ".env.example"), []byte(readRepoFile(t, ".env.example")), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, d := range []string{"campaigns", "deploy"} {
		if err := os.Mkdir(filepath.Join(dir, d), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// loadCompose loads compose.yaml as `docker compose` would in dir, with
// dir's .env, every profile active.
func loadCompose(t *testing.T, dir string) *types.Project {
	t.Helper()
	composeFile, err := filepath.Abs("../../compose.yaml")
	if err != nil {
		t.Fatal(err)
	}
	opts, err := cli.NewProjectOptions([]string{composeFile}, cli.WithWorkingDirectory(dir), cli.WithEnvFiles(), cli.WithDotEnv,
		cli.WithProfiles([]string{"*"}))
	if err != nil {
		t.Fatal(err)
	}
	p, err := opts.LoadProject(context.Background())
	if err != nil {
		t.Fatalf("compose cannot load compose.yaml: %v", err)
	}
	return p
}

// canRead says whether a process of uid and gid may read a file with st's
// owner and mode: what a container sees of a mounted host file.
func canRead(st os.FileInfo, uid, gid uint32) bool {
	s := st.Sys().(*syscall.Stat_t)
	mode := st.Mode().Perm()
	switch {
	case s.Uid == uid:
		return mode&0o400 != 0
	case s.Gid == gid:
		return mode&0o040 != 0
	}
	return mode&0o004 != 0
}

func canWriteDir(st os.FileInfo, uid, gid uint32) bool {
	s := st.Sys().(*syscall.Stat_t)
	mode := st.Mode().Perm()
	switch {
	case s.Uid == uid:
		return mode&0o300 == 0o300
	case s.Gid == gid:
		return mode&0o030 == 0o030
	}
	return mode&0o003 == 0o003
}

// userOf is the uid and gid a service's processes run as: its user:, else
// the image's (tianbao's: distroless nonroot, 65532; PostgreSQL's entrypoint
// reads secrets as root, then as postgres, 999).
func userOf(t *testing.T, svc types.ServiceConfig) [][2]uint32 {
	t.Helper()
	if svc.User != "" {
		u, g, _ := strings.Cut(svc.User, ":")
		uid, err1 := strconv.ParseUint(u, 10, 32)
		gid, err2 := strconv.ParseUint(g, 10, 32)
		if err1 != nil || err2 != nil {
			t.Fatalf("%s: user %q is not uid:gid", svc.Name, svc.User)
		}
		return [][2]uint32{{uint32(uid), uint32(gid)}}
	}
	if strings.HasPrefix(svc.Image, "postgres:") {
		return [][2]uint32{{999, 999}}
	}
	return [][2]uint32{{65532, 65532}}
}

var pinned = regexp.MustCompile(`^[a-z0-9./-]+:[A-Za-z0-9._-]+@sha256:[0-9a-f]{64}$`)

// TestComposeAsTheREADMESays: the README's steps, run on a fresh clone,
// make every secret compose mounts with a mode and owner its readers in
// the containers can read (also after "Going live" step 2 made the token
// 0600), the exports folder the tools service writes, and an .env; compose
// loads the file with them; and the pieces agree.
func TestComposeAsTheREADMESays(t *testing.T) {
	section := readmeSection(t, "Deploying with compose")
	blocks := shellBlocks(section)
	if len(blocks) < 3 {
		t.Fatalf("the compose section has %d shell blocks", len(blocks))
	}
	setup, webhookEnv, toolsCmds := blocks[0], blocks[1], blocks[2]
	goingLive := readmeSection(t, "Going live on Telegram")
	step2 := regexp.MustCompile("`(install -d -m 700 secrets && install -m 600 [^`]*)`").FindStringSubmatch(goingLive)
	if step2 == nil {
		t.Fatal("Going live step 2 does not make secrets/ before the token file")
	}

	for _, order := range []struct {
		name  string
		steps []string
	}{
		{"the compose steps alone", []string{setup}},
		{"Going live step 2, then the compose steps", []string{step2[1], setup}},
	} {
		t.Run(order.name, func(t *testing.T) {
			dir := freshClone(t)
			for _, s := range order.steps {
				runSteps(t, dir, s)
			}
			p := loadCompose(t, dir)
			// Every secret a service mounts: made by the steps, not empty,
			// readable by the service's user; the folder closed to others.
			for _, svc := range p.AllServices() {
				for _, ref := range svc.Secrets {
					decl, ok := p.Secrets[ref.Source]
					if !ok {
						t.Errorf("%s mounts undeclared secret %s", svc.Name, ref.Source)
						continue
					}
					if rel, err := filepath.Rel(dir, decl.File); err != nil || !strings.HasPrefix(rel, "secrets/") {
						t.Errorf("secret %s is %s, not under ./secrets/", ref.Source, decl.File)
					}
					st, err := os.Stat(decl.File)
					if err != nil || st.Size() == 0 {
						t.Errorf("the README's steps do not make secret %s (%v)", ref.Source, err)
						continue
					}
					for _, u := range userOf(t, svc) {
						if !canRead(st, u[0], u[1]) {
							t.Errorf("%s runs as %d:%d and cannot read secret %s (owner %d, mode %v)", svc.Name, u[0], u[1], ref.Source,
								st.Sys().(*syscall.Stat_t).Uid, st.Mode().Perm())
						}
					}
				}
			}
			if st, err := os.Stat(filepath.Join(dir, "secrets")); err != nil || st.Mode().Perm() != 0o700 {
				t.Errorf("secrets/ is %v (%v): others on the host could read the secrets", st.Mode().Perm(), err)
			}
			// The tools service writes ./exports as the account .env names.
			tools := p.Services["tools"]
			var exports string
			for _, v := range tools.Volumes {
				if v.Target == "/work/exports" && !v.ReadOnly {
					exports = v.Source
				}
			}
			st, err := os.Stat(exports)
			if err != nil {
				t.Fatalf("tools mounts no writable exports folder the steps make (%q, %v)", exports, err)
			}
			for _, u := range userOf(t, tools) {
				if !canWriteDir(st, u[0], u[1]) {
					t.Errorf("tools runs as %d:%d and cannot write %s (owner %d, mode %v)", u[0], u[1], exports, st.Sys().(*syscall.Stat_t).Uid, st.Mode().Perm())
				}
				if u[0] != uint32(os.Getuid()) {
					t.Errorf("tools runs as %d, not as the account that ran the steps (%d): what it writes would not be theirs", u[0], os.Getuid())
				}
			}
		})
	}

	// The deployment as compose reads it, with the webhook's lines in .env.
	dir := freshClone(t)
	runSteps(t, dir, setup)
	f, err := os.OpenFile(filepath.Join(dir, ".env"), os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range strings.Split(webhookEnv, "\n") {
		_, _ = f.WriteString(strings.TrimSpace(line) + "\n")
	}
	f.Close()
	p := loadCompose(t, dir)
	env := map[string]string{}
	for _, line := range strings.Split(webhookEnv, "\n") {
		if k, v, ok := strings.Cut(strings.TrimSpace(line), "="); ok {
			env[k] = v
		}
	}
	if env["COMPOSE_PROFILES"] != "webhook" || env["WEBHOOK_URL"] != "https://"+env["TIANBAO_DOMAIN"]+"/telegram" || env["APP_URL"] != "https://"+env["TIANBAO_DOMAIN"]+"/app/" {
		t.Errorf("the README's webhook settings for .env: %v", env)
	}
	bot := p.Services["bot"]
	if *bot.Environment["WEBHOOK_URL"] != env["WEBHOOK_URL"] || *bot.Environment["APP_URL"] != env["APP_URL"] {
		t.Errorf("the bot does not take WEBHOOK_URL and APP_URL from .env: %v", bot.Environment)
	}
	checkServices(t, p)
	checkProxy(t, p, env["TIANBAO_DOMAIN"])
	checkVariables(t)
	checkImages(t, p)

	// The README's tools commands name files where the mounts put them.
	for _, line := range strings.Split(strings.TrimSpace(toolsCmds), "\n") {
		line = strings.TrimSpace(line)
		if !strings.HasPrefix(line, "docker compose run --rm tools ") {
			t.Errorf("a tools example is not `docker compose run --rm tools …`: %s", line)
		}
		for _, f := range strings.Fields(line) {
			if strings.HasSuffix(f, ".yaml") && !strings.HasPrefix(f, "campaigns/") || strings.HasSuffix(f, ".xlsx") && !strings.HasPrefix(f, "exports/") {
				t.Errorf("%s is not under a folder tools mounts", f)
			}
		}
	}
	// The build context leaves secrets, exports, backups and .env out.
	ignore := readRepoFile(t, ".dockerignore")
	for _, pat := range []string{"secrets/", "exports/", "backups/", ".git", ".env"} {
		if !regexp.MustCompile(`(?m)^` + regexp.QuoteMeta(pat) + `$`).MatchString(ignore) {
			t.Errorf(".dockerignore lacks %s", pat)
		}
	}
	gitignore := readRepoFile(t, ".gitignore")
	for _, pat := range []string{"secrets/", ".env", "backups/"} {
		if !regexp.MustCompile(`(?m)^/?` + regexp.QuoteMeta(pat) + `$`).MatchString(gitignore) {
			t.Errorf(".gitignore lacks %s: a secret could be committed", pat)
		}
	}
}

// checkServices: what tianbao reads from a file is mounted, through a
// _FILE variable tianbao knows; the bot's replicas publish nothing; the
// image is built on every up and never pulled.
func checkServices(t *testing.T, p *types.Project) {
	t.Helper()
	known := map[string]bool{"DATABASE_PASSWORD_FILE": true, "TELEGRAM_BOT_TOKEN_FILE": true, "WEBHOOK_SECRET_FILE": true}
	for _, name := range []string{"migrate", "bot", "tools"} {
		svc, ok := p.Services[name]
		if !ok {
			t.Fatalf("no %s service", name)
		}
		mounted := map[string]bool{}
		for _, s := range svc.Secrets {
			mounted["/run/secrets/"+s.Source] = true
		}
		for k, v := range svc.Environment {
			if v == nil {
				continue
			}
			if strings.HasPrefix(*v, "/run/secrets/") {
				if !known[k] {
					t.Errorf("%s: %s names a secret, but tianbao does not read %s", name, k, k)
				}
				if !mounted[*v] {
					t.Errorf("%s: %s=%s is not mounted", name, k, *v)
				}
			}
			if k == "PGPASSFILE" {
				t.Errorf("%s uses a pgpass file, which lib/pq ignores or the image's user cannot read", name)
			}
		}
		if svc.Environment["DATABASE_PASSWORD_FILE"] == nil || !strings.HasPrefix(*svc.Environment["DATABASE_URL"], "postgres://") {
			t.Errorf("%s: DATABASE_URL and DATABASE_PASSWORD_FILE", name)
		}
	}
	migrate, bot, tools := p.Services["migrate"], p.Services["bot"], p.Services["tools"]
	if migrate.Build == nil || migrate.PullPolicy != types.PullPolicyBuild || migrate.Image != bot.Image {
		t.Errorf("migrate does not build the bot's image on every up (build %v, pull_policy %q)", migrate.Build, migrate.PullPolicy)
	}
	for _, s := range []types.ServiceConfig{bot, tools} {
		if s.Image != migrate.Image || s.PullPolicy != types.PullPolicyNever {
			t.Errorf("%s: image %s, pull_policy %q: it must use the image migrate builds, never a pulled one", s.Name, s.Image, s.PullPolicy)
		}
	}
	if bot.Deploy == nil || bot.Deploy.Replicas == nil || *bot.Deploy.Replicas < 2 {
		t.Errorf("the bot runs fewer than 2 replicas; the README promises several")
	}
	if len(bot.Ports) != 0 {
		t.Errorf("the bot publishes %v", bot.Ports)
	}
	listen, metrics := *bot.Environment["LISTEN_ADDR"], *bot.Environment["METRICS_ADDR"]
	if listen == "" || metrics == "" || listen == metrics {
		t.Errorf("LISTEN_ADDR %q, METRICS_ADDR %q: /metrics must be apart", listen, metrics)
	}
	if bot.HealthCheck == nil || strings.Join(bot.HealthCheck.Test, " ") != "CMD /usr/local/bin/tianbao healthcheck" {
		t.Errorf("the bot's health check: %+v", bot.HealthCheck)
	}
	// tools: the campaign files read-only, exports writable, in its
	// working directory (the image's WORKDIR).
	var campaignsRO bool
	for _, v := range tools.Volumes {
		campaignsRO = campaignsRO || v.Target == "/work/campaigns" && v.ReadOnly && strings.HasSuffix(v.Source, "/campaigns")
	}
	if !campaignsRO || tools.WorkingDir != "/work" || !strings.Contains(readRepoFile(t, "Dockerfile"), "\nWORKDIR /work\n") {
		t.Errorf("tools: campaigns mounted read-only at /work/campaigns, working in /work (the image's WORKDIR): %+v %q", tools.Volumes, tools.WorkingDir)
	}
	if !strings.Contains(readRepoFile(t, "Dockerfile"), "USER nonroot:nonroot") || !strings.Contains(readmeSection(t, "Deploying with compose"), "65532") {
		t.Errorf("the image's user and the README disagree")
	}
}

// checkProxy: webhook profile only; publishes 80 and 443; refuses to start
// without its domain, and otherwise runs caddy on the mounted Caddyfile;
// the Caddyfile, as caddy reads it, passes only the webhook and the desk to
// the bot's port, with health checks that run.
func checkProxy(t *testing.T, p *types.Project, domain string) {
	t.Helper()
	proxy := p.Services["proxy"]
	if strings.Join(proxy.Profiles, ",") != "webhook" {
		t.Errorf("the proxy is not in the webhook profile: %v", proxy.Profiles)
	}
	var ports []string
	for _, pc := range proxy.Ports {
		ports = append(ports, pc.Published+":"+strconv.Itoa(int(pc.Target)))
	}
	if strings.Join(ports, ",") != "80:80,443:443" {
		t.Errorf("proxy ports %v", ports)
	}
	caddyfile := ""
	for _, v := range proxy.Volumes {
		if v.Target == "/etc/caddy/Caddyfile" && v.ReadOnly {
			caddyfile = v.Source
		}
	}
	if !strings.HasSuffix(caddyfile, "/deploy/Caddyfile") {
		t.Errorf("the proxy does not mount deploy/Caddyfile: %v", proxy.Volumes)
	}
	if proxy.HealthCheck == nil || len(proxy.HealthCheck.Test) == 0 || proxy.DependsOn["bot"].Condition != types.ServiceConditionHealthy {
		t.Errorf("the proxy's health check %+v, depends on %+v", proxy.HealthCheck, proxy.DependsOn)
	}
	// The entrypoint, run by a shell with a stand-in for caddy.
	if len(proxy.Entrypoint) != 3 || proxy.Entrypoint[0] != "/bin/sh" || proxy.Entrypoint[1] != "-c" {
		t.Fatalf("the proxy's entrypoint: %q", proxy.Entrypoint)
	}
	bin := t.TempDir()
	if err := os.WriteFile(filepath.Join(bin, "caddy"), []byte("#!/bin/sh\necho \"caddy $*\"\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	run := func(domain string) (string, error) {
		cmd := exec.Command("sh", "-c", proxy.Entrypoint[2])
		cmd.Env = []string{"PATH=" + bin + ":/usr/bin:/bin", "TIANBAO_DOMAIN=" + domain}
		out, err := cmd.CombinedOutput()
		return string(out), err
	}
	if out, err := run(""); err == nil || !strings.Contains(out, "TIANBAO_DOMAIN is not set") {
		t.Errorf("the proxy without TIANBAO_DOMAIN: %v %q", err, out)
	}
	if out, err := run(domain); err != nil || strings.TrimSpace(out) != "caddy run --config /etc/caddy/Caddyfile --adapter caddyfile" {
		t.Errorf("the proxy with TIANBAO_DOMAIN: %v %q", err, out)
	}

	caddy, err := exec.LookPath("caddy")
	if err != nil {
		t.Fatal("this test reads the Caddyfile with caddy itself: apt-get install caddy (.ci/run installs it on Debian)")
	}
	adapt := func(domain string) ([]byte, error) {
		cmd := exec.Command(caddy, "adapt", "--config", "../../deploy/Caddyfile", "--adapter", "caddyfile")
		cmd.Env = append(os.Environ(), "TIANBAO_DOMAIN="+domain, "HOME="+t.TempDir())
		return cmd.Output()
	}
	if _, err := adapt(""); err == nil {
		t.Errorf("caddy takes the Caddyfile without a domain; the proxy's guard would not be needed")
	}
	out, err := adapt(domain)
	if err != nil {
		t.Fatalf("caddy adapt: %v", err)
	}
	var cfg struct {
		Apps struct {
			HTTP struct {
				Servers map[string]struct {
					Listen []string `json:"listen"`
					Routes []route  `json:"routes"`
				} `json:"servers"`
			} `json:"http"`
		} `json:"apps"`
	}
	if err := json.Unmarshal(out, &cfg); err != nil {
		t.Fatal(err)
	}
	listen := strings.TrimPrefix(*p.Services["bot"].Environment["LISTEN_ADDR"], ":")
	var proxies, hosts, paths, fallbacks []string
	var walk func(rs []route)
	walk = func(rs []route) {
		for _, r := range rs {
			for _, m := range r.Match {
				hosts = append(hosts, m.Host...)
				paths = append(paths, m.Path...)
			}
			for _, h := range r.Handle {
				switch h.Handler {
				case "reverse_proxy":
					d := h.DynamicUpstreams
					if d.Source != "a" || d.Name != "bot" || d.Port != listen {
						t.Errorf("the proxy does not reach bot:%s: %+v", listen, d)
					}
					if h.HealthChecks.Active != nil {
						t.Errorf("active health checks, which do not run for dynamic upstreams: %s", h.HealthChecks.Active)
					}
					if h.HealthChecks.Passive == nil || h.LoadBalancing.Retries < 1 {
						t.Errorf("no passive health checks or retries: the proxy would keep sending to a dead replica")
					}
					proxies = append(proxies, strings.Join(paths, " "))
				case "static_response":
					fallbacks = append(fallbacks, strconv.Itoa(h.StatusCode))
				case "subroute":
					walk(h.Routes)
				}
			}
		}
	}
	for _, s := range cfg.Apps.HTTP.Servers {
		walk(s.Routes)
	}
	if strings.Join(hosts, ",") != domain || strings.Join(proxies, "|") != "/telegram /app/* /wecom/*" || strings.Join(fallbacks, ",") != "404" {
		t.Errorf("the Caddyfile serves hosts %v, proxies %v, answers the rest with %v: want %s, /telegram, /app/* and /wecom/* only, 404",
			hosts, proxies, fallbacks, domain)
	}
	if strings.Contains(string(out), "9090") {
		t.Errorf("the Caddyfile reaches /metrics' port")
	}
}

// route is the part of caddy's JSON config checkProxy reads.
type route struct {
	Match []struct {
		Host []string `json:"host"`
		Path []string `json:"path"`
	} `json:"match"`
	Handle []struct {
		Handler          string  `json:"handler"`
		Routes           []route `json:"routes"`
		StatusCode       int     `json:"status_code"`
		DynamicUpstreams struct {
			Source, Name, Port string
		} `json:"dynamic_upstreams"`
		HealthChecks struct {
			Active  json.RawMessage `json:"active"`
			Passive json.RawMessage `json:"passive"`
		} `json:"health_checks"`
		LoadBalancing struct {
			Retries int `json:"retries"`
		} `json:"load_balancing"`
	} `json:"handle"`
}

// checkVariables: compose reads every ${VAR} of the file for every command,
// whatever profiles are active, so each has a default (a plain `up -d`
// without .env works) and is explained in .env.example.
func checkVariables(t *testing.T) {
	t.Helper()
	compose := readRepoFile(t, "compose.yaml")
	example := readRepoFile(t, ".env.example")
	vars := regexp.MustCompile(`\$\{([A-Z_]+)([^}]*)\}`).FindAllStringSubmatch(compose, -1)
	if len(vars) == 0 {
		t.Fatal("compose.yaml reads no variable")
	}
	for _, m := range vars {
		if !strings.HasPrefix(m[2], ":-") {
			t.Errorf("${%s%s} has no default: a plain `up -d` without .env would warn and run with it empty, or (with :?) stop, even for services it does not start", m[1], m[2])
		}
		if !regexp.MustCompile(`(?m)^#?` + m[1] + `=`).MatchString(example) {
			t.Errorf(".env.example does not explain %s", m[1])
		}
	}
	if !regexp.MustCompile(`(?m)^#?COMPOSE_PROFILES=webhook$`).MatchString(example) {
		t.Errorf(".env.example does not show COMPOSE_PROFILES=webhook")
	}
}

// checkImages: every image pulled is pinned by digest, in compose.yaml and
// in the Dockerfile, and pin-images.sh knows how to renew them.
func checkImages(t *testing.T, p *types.Project) {
	t.Helper()
	for _, svc := range p.AllServices() {
		if svc.Build != nil || svc.PullPolicy == types.PullPolicyNever {
			continue
		}
		if !pinned.MatchString(svc.Image) {
			t.Errorf("%s's image %s is not pinned by digest", svc.Name, svc.Image)
		}
	}
	docker := readRepoFile(t, "Dockerfile")
	froms := regexp.MustCompile(`(?m)^FROM\s+(\S+)`).FindAllStringSubmatch(docker, -1)
	if len(froms) != 2 {
		t.Errorf("the Dockerfile has %d FROM lines", len(froms))
	}
	for _, m := range froms {
		if !pinned.MatchString(m[1]) {
			t.Errorf("the Dockerfile's %s is not pinned by digest", m[1])
		}
	}
	if strings.Contains(docker, "# syntax=") {
		t.Errorf("the Dockerfile names a frontend image (# syntax=), which would be pulled unpinned")
	}
	if !strings.Contains(readRepoFile(t, "scripts/pin-images.sh"), "Dockerfile compose.yaml") {
		t.Errorf("pin-images.sh does not renew both files")
	}
}

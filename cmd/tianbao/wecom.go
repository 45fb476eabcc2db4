package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"strconv"
	"time"

	"tianbao/campaigns"
	"tianbao/wecom"
	"tianbao/wecombot"
)

func runWeCom(ctx context.Context, e *env, args []string) error {
	const synopsis = `wecom enrol [--campaign ID] [--dry-run] FILE

  enrol FILE   give the WeCom members a tab-separated FILE names their roles:
               a header row (unit, role, userid, name) and a line per member
               and unit, e.g.  330106<TAB>filler<TAB>zhangsan<TAB>张三
               Each member gets the place an invitation would give, and a
               message in the app when serve runs. A file with any problem
               (a unit not in the campaign, a role, a UserID WeCom would
               refuse, a member twice in one unit) changes nothing and each
               problem is printed with its line. Running it again changes
               only what the file changed; a member left out keeps the place.`
	fs := newFlags(e, "wecom", synopsis)
	campaignID := fs.String("campaign", campaigns.BuiltinID, "the campaign's `ID`")
	dry := fs.Bool("dry-run", false, "check the file and print what would be done; change nothing")
	if err := parseArgs(fs, args); err != nil {
		return err
	}
	rest := fs.Args()
	switch {
	case len(rest) == 0:
		return badUsage(fs, "say what to do: enrol FILE")
	case rest[0] != "enrol":
		return badUsage(fs, "unknown wecom subcommand %q (want enrol)", rest[0])
	}
	// The subcommand's options may follow it: wecom enrol --dry-run FILE.
	if err := parseArgs(fs, rest[1:]); err != nil {
		return err
	}
	if rest = fs.Args(); len(rest) != 1 {
		return badUsage(fs, "wecom enrol takes one FILE")
	}
	rest = append([]string{"enrol"}, rest...)
	f, err := os.Open(rest[1])
	if err != nil {
		return err
	}
	defer f.Close()
	if st, err := f.Stat(); err != nil || !st.Mode().IsRegular() {
		return fmt.Errorf("%s is not a regular file", rest[1])
	}
	db, _, camp, err := e.openCampaign(ctx, *campaignID, "")
	if err != nil {
		return err
	}
	defer db.Close()
	list, probs := wecombot.ParseEnrolment(f, camp)
	if len(probs) > 0 {
		for _, p := range probs {
			fmt.Fprintf(e.stderr, "%s:%s\n", rest[1], p.Error())
		}
		return fmt.Errorf("%d problem(s) in %s: nobody enrolled", len(probs), rest[1])
	}
	if *dry {
		for _, en := range list {
			fmt.Fprintf(e.stdout, "would enrol  %s %s  %s  %s (%s)\n", en.Unit, camp.Units[en.Unit].Name, en.Role, en.UserID, en.Name)
		}
		fmt.Fprintf(e.stdout, "%d member(s) checked; nothing changed (--dry-run)\n", len(list))
		return nil
	}
	done, err := db.EnrolWeCom(ctx, camp.ID, list, wecombot.Welcome(camp))
	if err != nil {
		return err
	}
	counts := map[string]int{}
	for _, d := range done {
		counts[d.Change]++
		fmt.Fprintf(e.stdout, "%-9s  %s %s  %s  %s (%s)\n", d.Change, d.Unit, camp.Units[d.Unit].Name, d.Role, d.UserID, d.Name)
	}
	fmt.Fprintf(e.stdout, "%d added, %d given another role, %d unchanged; the new places are told in WeCom when serve runs\n",
		counts["added"], counts["role"], counts["unchanged"])
	return nil
}

// wecomClient is the configured app's client.
func wecomClient(w *wecomSettings) (*wecom.Client, error) {
	return wecom.New(wecom.Config{CorpID: w.CorpID, AgentID: w.AgentID, Secret: w.Secret, BaseURL: w.APIURL, OAuthURL: w.OAuthURL})
}

// doctorWeCom checks the WeCom app as serve will use it: its secret
// (gettoken), the app (agent/get: enabled, its trusted domain APP_URL's
// host), and the callback URL (the verification the admin console makes,
// through the public address, answered by the running server).
func doctorWeCom(ctx context.Context, list *checklist, w *wecomSettings) {
	client, err := wecomClient(w)
	if err != nil {
		list.add(check{what: "WeCom", detail: err.Error()})
		return
	}
	where := w.APIURL
	if where == "" {
		where = wecom.DefaultBaseURL
	}
	if _, err := client.Token(ctx); err != nil {
		fix := "check that " + where + " can be reached from here"
		switch {
		case errors.Is(err, wecom.ErrCredentials):
			fix = "check WECOM_CORP_ID (我的企业 → 企业信息 → 企业ID) and WECOM_SECRET (应用管理 → the app → Secret)"
		case errors.Is(err, wecom.ErrUntrustedIP):
			fix = "add this server's public IP to the app's 企业可信IP (应用管理 → the app → 企业可信IP)"
		}
		list.add(check{what: "WeCom access token (gettoken)", detail: err.Error(), fix: fix})
		return
	}
	list.add(check{ok: true, what: "WeCom access token (gettoken)", detail: "corp " + w.CorpID + " at " + where})
	agent, err := client.Agent(ctx)
	if err != nil {
		list.add(check{what: "WeCom app " + strconv.FormatInt(w.AgentID, 10), detail: err.Error(),
			fix: "check WECOM_AGENT_ID (应用管理 → the app → AgentId), and that WECOM_SECRET is that app's Secret"})
		return
	}
	host := ""
	if u, err := url.Parse(w.PublicURL); err == nil {
		host = u.Host
	}
	detail := fmt.Sprintf("%s (agent %d), %d member(s) in its visible range", agent.Name, agent.AgentID, len(agent.Users))
	switch {
	case agent.Closed:
		list.add(check{what: "WeCom app", detail: detail + "; disabled", fix: "enable the app in the admin console (应用管理 → the app → 启用)"})
	case agent.RedirectDomain != host:
		list.add(check{what: "WeCom app", detail: fmt.Sprintf("%s; its trusted domain (可信域名) is %q, APP_URL's host is %q", detail, agent.RedirectDomain, host),
			fix: "set the app's 网页授权及JS-SDK → 可信域名 to " + host + " (the sign-in of its pages is refused elsewhere)"})
	default:
		list.add(check{ok: true, what: "WeCom app", detail: detail + "; trusted domain " + host})
	}
	doctorCallback(ctx, list, w)
}

// doctorCallback makes the URL verification WeCom makes when the callback
// is saved: a signed, encrypted echostr sent to the public callback URL,
// whose plaintext must come back.
func doctorCallback(ctx context.Context, list *checklist, w *wecomSettings) {
	callback := w.PublicURL + wecombot.CallbackPath
	c, err := wecom.NewCrypto(w.Token, w.AESKey, w.CorpID)
	if err != nil {
		list.add(check{what: "WeCom callback URL", detail: err.Error()})
		return
	}
	echo := strconv.FormatInt(time.Now().UnixNano(), 10)
	enc, err := c.Encrypt([]byte(echo))
	if err != nil {
		list.add(check{what: "WeCom callback URL", detail: err.Error()})
		return
	}
	ts, nonce := strconv.FormatInt(time.Now().Unix(), 10), strconv.FormatInt(time.Now().UnixNano()%1e9, 10)
	q := url.Values{"msg_signature": {c.Signature(ts, nonce, enc)}, "timestamp": {ts}, "nonce": {nonce}, "echostr": {enc}}
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, callback+"?"+q.Encode(), nil)
	fix := "save " + callback + " as the app's 接收消息 → 设置API接收 URL, with WECOM_TOKEN and WECOM_AES_KEY; the proxy must pass /wecom/ to tianbao's LISTEN_ADDR, and serve must be running"
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		list.add(check{what: "WeCom callback URL", detail: callback + ": " + err.Error(), fix: fix})
		return
	}
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<16))
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || string(body) != echo {
		list.add(check{what: "WeCom callback URL", detail: fmt.Sprintf("%s answered the verification with HTTP %d, not its echostr", callback, resp.StatusCode), fix: fix})
		return
	}
	list.add(check{ok: true, what: "WeCom callback URL", detail: callback + " answers WeCom's verification"})
}

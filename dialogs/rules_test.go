package dialogs_test

import (
	"bytes"
	"context"
	"log/slog"
	"strings"
	"testing"

	"tianbao/dialogs/dialogtest"
)

// TestBrokenRulesBlock: a rule whose expression fails on the answers given
// (a remainder by zero; expr's budget exceeded) blocks as a broken hard
// rule would, soft or not, and is logged with its id: fail closed (D3).
func TestBrokenRulesBlock(t *testing.T) {
	env := newEnv(t)
	dialogtest.InstallVariant(t, env.DB, "modulo", func(y string) string {
		return strings.Replace(y, "check: target >= mfg_firms + svc_firms", "check: target % upgraded >= 0", 1)
	})
	dialogtest.InstallVariant(t, env.DB, "budget", func(y string) string {
		return strings.Replace(y, "check: upgraded == 0", "check: 'upgraded + len(map(1..100000000, #)) < 0'", 1)
	})
	var logs bytes.Buffer
	env.Engine.Log = slog.New(slog.NewTextHandler(&logs, nil))

	c := env.ContactIn("modulo", "330106", "张三")
	c.Say("/start").Press("附件3")
	for _, v := range []string{"1", "0", "1", "10", "5", "0", "0", "0"} {
		c.Say(v)
	}
	c.Say("20").Expect("核对规则「target_covers_firms」用这些数字无法计算").ExpectNot("请核对已填内容")
	c.Say("/start").Expect("草稿 8/9")
	if n := count(t, env, `SELECT count(*) FROM answers WHERE campaign_id = 'modulo' AND field_id = 'target'`); n != 0 {
		t.Errorf("the answer a broken rule refused was stored")
	}

	s := env.ContactIn("budget", "330106", "李四")
	s.Say("/start").Press("附件3").Say("1").Say("2").Expect("核对规则「upgraded_not_listed」用这些数字无法计算").ExpectNot("请确认")
	for _, id := range []string{"rule=target_covers_firms", "rule=upgraded_not_listed"} {
		if !strings.Contains(logs.String(), id) {
			t.Errorf("no log line names %s:\n%s", id, logs.String())
		}
	}
}

func count(t *testing.T, env *dialogtest.Env, q string, args ...any) int {
	t.Helper()
	var n int
	if err := env.DB.GetContext(context.Background(), &n, q, args...); err != nil {
		t.Fatal(err)
	}
	return n
}

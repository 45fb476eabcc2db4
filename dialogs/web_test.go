package dialogs_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"tianbao/dialogs"
)

// TestDeskReasonCleanedAsTheChats: a return's reason from the desk is
// cleaned as a typed one is: NUL, controls, escape codes and bidirectional
// marks never reach the county; a reason of invisible characters only is
// no reason; one over 500 characters is refused, not cut. Nothing changes
// on a refused one.
func TestDeskReasonCleanedAsTheChats(t *testing.T) {
	env := newEnv(t)
	ctx := context.Background()
	county := env.Contact("330106", "张三")
	city := env.Reviewer("330100", "李审核")
	county.SubmitA3("2", "0", "2", "100", "50", "0", "0", "0", "100")
	city.Inbox()
	var sub int64
	if err := env.DB.GetContext(ctx, &sub, `SELECT id FROM submissions WHERE unit_code = '330106'`); err != nil {
		t.Fatal(err)
	}
	for _, bad := range []struct {
		reason string
		want   error
	}{
		{"   \u200b ", dialogs.ErrNoReason},
		{"\u200b\u200d\u2060", dialogs.ErrNoReason},
		{"\x00\x07", dialogs.ErrNoReason},
		{strings.Repeat("长", 501), dialogs.ErrReasonTooLong},
	} {
		if _, err := env.Engine.Review(ctx, city.ID, sub, false, bad.reason, nil); !errors.Is(err, bad.want) {
			t.Errorf("reason %q: %v, want %v", bad.reason, err, bad.want)
		}
	}
	if s := status(t, env.DB, "330106", "a3"); s != "submitted" {
		t.Fatalf("a refused reason changed the draft to %s", s)
	}
	if _, err := env.Engine.Review(ctx, city.ID, sub, false, "坏\x00数据 金额 \u202e2101 元\u202c 请核对 \a\x1b[31m", nil); err != nil {
		t.Fatal(err)
	}
	county.Inbox().Expect("理由：坏数据 金额 2101 元 请核对 [31m")
	var stored string
	if err := env.DB.GetContext(ctx, &stored, `SELECT reason FROM submission_events WHERE submission_id = $1 AND status = 'returned'`, sub); err != nil {
		t.Fatal(err)
	}
	if stored != "坏数据 金额 2101 元 请核对 [31m" {
		t.Errorf("stored reason %q", stored)
	}
}

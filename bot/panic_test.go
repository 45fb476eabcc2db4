package bot

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"testing"
	"time"

	tgbot "github.com/go-telegram/bot"
	"github.com/go-telegram/bot/models"
	"github.com/prometheus/client_golang/prometheus/testutil"

	"tianbao/bot/telegramtest"
)

// TestPanicCostsAnApology: a handler that panics (here: a bot without a
// database) is recovered, the chat gets an apology, the update counts as
// handled (not retried forever), and the panic is counted.
func TestPanicCostsAnApology(t *testing.T) {
	fake := telegramtest.NewServer("1:panic")
	defer fake.Close()
	fake.OpenChat(77)
	tg, err := tgbot.New("1:panic", tgbot.WithServerURL(fake.URL), tgbot.WithSkipGetMe())
	if err != nil {
		t.Fatal(err)
	}
	b := &Bot{cfg: Config{Now: time.Now, APIURL: fake.URL, Token: "1:panic"}, log: slog.New(slog.NewTextHandler(io.Discard, nil)), tg: tg, api: http.DefaultClient, metrics: newMetrics()}
	b.lane = newLane(b)
	defer b.lane.stop()
	u := &models.Update{ID: 1, Message: &models.Message{ID: 1, From: &models.User{ID: 77}, Chat: models.Chat{ID: 77, Type: models.ChatTypePrivate}, Text: "你好"}}
	key, err := b.process(context.Background(), u)
	if key != "" || err != nil {
		t.Errorf("process after a panic: %q, %v", key, err)
	}
	fake.WaitFor(5*time.Second, func() bool { return fake.EventCount(77) > 0 })
	if got := fake.Events(77, 0); len(got) != 1 || !strings.Contains(got[0].Text, "抱歉，系统出了点问题") {
		t.Errorf("the chat got %+v", got)
	}
	if n := testutil.ToFloat64(b.metrics.errors.WithLabelValues("panic")); n != 1 {
		t.Errorf("panics counted: %v", n)
	}
}

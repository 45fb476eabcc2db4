package store

import (
	"context"
	"log/slog"
	neturl "net/url"
	"strings"
	"time"

	"github.com/lib/pq"
)

// OutboxChannel is the channel a NOTIFY goes to when messages are queued
// in the outbox or one is moved earlier (migration 00251's triggers).
const OutboxChannel = "tianbao_outbox"

// ListenerName is the application_name of the connection ListenOutbox
// holds (pg_stat_activity shows it so).
const ListenerName = "tianbao-outbox-listener"

// listenerPing is how often the listener's connection is checked: a
// connection that died without a word (a dropped route) is found out and
// opened again.
const listenerPing = time.Minute

// ListenOutbox reports, until ctx ends, when the outbox may hold something
// new for a sender: a NOTIFY on OutboxChannel from any replica's commit.
// It LISTENs on a connection of its own, which it opens again by itself
// when lost; once it listens (at first, and after each reconnection:
// messages may have been queued meanwhile, unheard) it reports a wake too.
// Wakes that come while one is waiting to be taken are folded into it.
func (db *DB) ListenOutbox(ctx context.Context, log *slog.Logger) <-chan struct{} {
	if log == nil {
		log = slog.Default()
	}
	wake := make(chan struct{}, 1)
	signal := func() {
		select {
		case wake <- struct{}{}:
		default:
		}
	}
	l := pq.NewListener(withParameter(db.url, "application_name", ListenerName), 200*time.Millisecond, 10*time.Second,
		func(ev pq.ListenerEventType, err error) {
			switch ev {
			case pq.ListenerEventDisconnected:
				if ctx.Err() == nil {
					log.Warn("the outbox listener lost its connection; opening another", "err", err)
				}
			case pq.ListenerEventConnectionAttemptFailed:
				if ctx.Err() == nil {
					log.Warn("the outbox listener could not connect; trying again", "err", err)
				}
			case pq.ListenerEventReconnected:
				log.Info("the outbox listener is connected again")
			}
		})
	go func() {
		<-ctx.Done()
		_ = l.Close()
	}()
	go func() {
		// Listen waits for a connection: messages queued before it returns
		// are the sender's first look's to find, or this wake's.
		if err := l.Listen(OutboxChannel); err != nil {
			if ctx.Err() == nil {
				log.Error("the outbox listener could not LISTEN; senders look every safety-net interval only", "err", err)
			}
			return
		}
		signal()
	}()
	go func() {
		ping := time.NewTicker(listenerPing)
		defer ping.Stop()
		for {
			select {
			case _, ok := <-l.Notify:
				if !ok {
					return // closed: ctx ended
				}
				// A notification, or nil after a reconnection.
				signal()
			case <-ping.C:
				go func() { _ = l.Ping() }()
			}
		}
	}()
	return wake
}

// OutboxSafetyNet is the longest an idle sender (Telegram's, WeCom's)
// waits without a wake: a NOTIFY lost (the listener's connection down when
// it was sent, and its reconnection's wake too) delays a message no longer
// than this.
const OutboxSafetyNet = 30 * time.Second

// OutboxWait is how long a sender that claimed nothing waits for a wake,
// given when the earliest pending message is due (pending false: none).
// One due already and yet not claimed is held by another replica's claim
// (its commit notifies) or a budget's slot a rounding away: a short wait.
func OutboxWait(next time.Duration, pending bool) time.Duration {
	if !pending {
		return OutboxSafetyNet
	}
	return min(max(next, 10*time.Millisecond), OutboxSafetyNet)
}

// withParameter sets a connection parameter in a URL or a key=value
// connection string.
func withParameter(url, key, value string) string {
	if strings.HasPrefix(url, "postgres://") || strings.HasPrefix(url, "postgresql://") {
		u, err := neturl.Parse(url)
		if err != nil {
			return url
		}
		q := u.Query()
		q.Set(key, value)
		u.RawQuery = q.Encode()
		return u.String()
	}
	return strings.TrimSpace(url) + " " + key + "=" + value
}

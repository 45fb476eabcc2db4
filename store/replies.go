package store

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"tianbao/dialogs"
)

// ReplyLease is how long the process that applied an input has to send its
// replies (processed_inputs.lease_until's default) before another may.
const ReplyLease = 2 * time.Minute

// ClaimReplies takes the sending of an applied input's replies, if they
// were not sent and whoever applied it let its lease pass (it died, or
// could not reach Telegram): a redelivered update then sends them, once.
// It reports whether this caller is to send them.
func (db *DB) ClaimReplies(ctx context.Context, key string) (bool, error) {
	res, err := db.ExecContext(ctx, `UPDATE processed_inputs SET lease_until = now() + make_interval(secs => $2)
		WHERE key = $1 AND NOT sent AND lease_until < now()`, key, ReplyLease.Seconds())
	if err != nil {
		return false, fmt.Errorf("claim replies of %s: %w", key, err)
	}
	n, err := res.RowsAffected()
	return n == 1, err
}

// UnsentReplies are an applied input's replies to send again.
type UnsentReplies struct {
	Key      string
	Contact  int64
	Chat     int64
	Campaign string
	Replies  []dialogs.Reply
}

// ClaimUnsentReplies takes up to limit inputs of Telegram contacts applied
// within the last hour whose replies were never marked sent and whose
// lease has passed, and leases them to the caller: the sweep that delivers
// what a process which died after committing a turn, or could not reach
// Telegram before its lease ran out, did not.
func (db *DB) ClaimUnsentReplies(ctx context.Context, limit int) ([]UnsentReplies, error) {
	var rows []struct {
		Key      string `db:"key"`
		Contact  int64  `db:"contact_id"`
		Chat     int64  `db:"chat_id"`
		Campaign string `db:"campaign_id"`
		Replies  []byte `db:"replies"`
	}
	err := db.SelectContext(ctx, &rows, `WITH due AS (
			SELECT p.key FROM processed_inputs p
			WHERE p.handled_at > now() - interval '1 hour' AND NOT p.sent AND p.lease_until < now() AND (p.key LIKE 'tg:%' OR p.key LIKE 'tgm:%')
			ORDER BY p.handled_at LIMIT $1 FOR UPDATE SKIP LOCKED)
		UPDATE processed_inputs p SET lease_until = now() + make_interval(secs => $2)
		FROM due, contacts c WHERE p.key = due.key AND c.id = p.contact_id AND c.chat_id IS NOT NULL
		RETURNING p.key, p.contact_id, c.chat_id, c.campaign_id, p.replies`, limit, ReplyLease.Seconds())
	if err != nil {
		return nil, fmt.Errorf("claim unsent replies: %w", err)
	}
	out := make([]UnsentReplies, 0, len(rows))
	for _, r := range rows {
		u := UnsentReplies{Key: r.Key, Contact: r.Contact, Chat: r.Chat, Campaign: r.Campaign}
		if err := json.Unmarshal(r.Replies, &u.Replies); err != nil {
			return nil, fmt.Errorf("replies of %s: %w", r.Key, err)
		}
		out = append(out, u)
	}
	return out, nil
}

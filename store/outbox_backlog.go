package store

import (
	"context"
	"fmt"
	"time"
)

// OutboxBacklog is what waits in the outbox for the sender: the
// notifications for chats it can reach, on Telegram or WeCom (a console
// contact's, or an unreachable contact's, are not its to send), and how
// long the oldest of them has waited.
func (db *DB) OutboxBacklog(ctx context.Context) (depth int64, oldest time.Duration, err error) {
	var row struct {
		Depth  int64   `db:"depth"`
		Oldest float64 `db:"oldest"`
	}
	err = db.GetContext(ctx, &row, `SELECT count(*) AS depth,
			COALESCE(EXTRACT(EPOCH FROM now() - min(o.created_at)), 0)::float8 AS oldest
		FROM outbox o JOIN contacts c ON c.id = o.contact_id
		WHERE o.sent_at IS NULL AND c.unreachable_at IS NULL AND (c.chat_id IS NOT NULL
			OR EXISTS (SELECT 1 FROM identities i WHERE i.person_id = c.person_id AND i.channel = 'wecom'))`)
	if err != nil {
		return 0, 0, fmt.Errorf("outbox backlog: %w", err)
	}
	return row.Depth, time.Duration(row.Oldest * float64(time.Second)), nil
}

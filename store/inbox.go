package store

import (
	"context"
	"fmt"

	"github.com/lib/pq"
)

// InboxUpdate is an update kept in the inbox.
type InboxUpdate struct {
	ID      int64  `db:"update_id"`
	Chat    int64  `db:"chat_id"`
	Payload []byte `db:"payload"`
}

// InboxAdd keeps a batch of updates fetched for bot and returns the ids of
// those it did not hold already.
func (db *DB) InboxAdd(ctx context.Context, bot int64, updates []InboxUpdate) ([]int64, error) {
	ids := make([]int64, len(updates))
	chats := make([]int64, len(updates))
	payloads := make([][]byte, len(updates))
	for i, u := range updates {
		ids[i], chats[i], payloads[i] = u.ID, u.Chat, u.Payload
	}
	var fresh []int64
	if err := db.SelectContext(ctx, &fresh, `INSERT INTO inbox (bot_id, update_id, chat_id, payload)
		SELECT $1, u.id, u.chat, u.payload FROM unnest($2::bigint[], $3::bigint[], $4::bytea[]) AS u(id, chat, payload)
		ON CONFLICT DO NOTHING RETURNING update_id`, bot, pq.Array(ids), pq.Array(chats), pq.ByteaArray(payloads)); err != nil {
		return nil, fmt.Errorf("keep updates: %w", err)
	}
	return fresh, nil
}

// InboxDone removes handled updates.
func (db *DB) InboxDone(ctx context.Context, bot int64, ids []int64) error {
	if len(ids) == 0 {
		return nil
	}
	if _, err := db.ExecContext(ctx, `DELETE FROM inbox WHERE bot_id = $1 AND update_id = ANY($2)`, bot, pq.Array(ids)); err != nil {
		return fmt.Errorf("forget handled updates: %w", err)
	}
	return nil
}

// InboxDrop removes one update that will not be handled, and reports
// whether it was there: only then is it certain that nobody handles it.
func (db *DB) InboxDrop(ctx context.Context, bot, id int64) (bool, error) {
	res, err := db.ExecContext(ctx, `DELETE FROM inbox WHERE bot_id = $1 AND update_id = $2`, bot, id)
	if err != nil {
		return false, fmt.Errorf("drop update %d: %w", id, err)
	}
	n, err := res.RowsAffected()
	return n == 1, err
}

// InboxChats lists the chats that have updates in the inbox.
func (db *DB) InboxChats(ctx context.Context, bot int64) ([]int64, error) {
	var chats []int64
	if err := db.SelectContext(ctx, &chats, `SELECT DISTINCT chat_id FROM inbox WHERE bot_id = $1`, bot); err != nil {
		return nil, fmt.Errorf("inbox chats: %w", err)
	}
	return chats, nil
}

// InboxOf returns up to limit of a chat's updates after the id after, in
// order.
func (db *DB) InboxOf(ctx context.Context, bot, chat, after int64, limit int) ([]InboxUpdate, error) {
	var out []InboxUpdate
	if err := db.SelectContext(ctx, &out, `SELECT update_id, chat_id, payload FROM inbox
		WHERE bot_id = $1 AND chat_id = $2 AND update_id > $3 ORDER BY update_id LIMIT $4`, bot, chat, after, limit); err != nil {
		return nil, fmt.Errorf("inbox of chat: %w", err)
	}
	return out, nil
}

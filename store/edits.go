package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"

	"tianbao/dialogs"
)

// AnsweredBy finds an input applied before by its key (a Telegram
// message's, see the bot's messageKey) and the question its typed text
// answered, if it answered one: the contact it was applied for, and nil
// for an input that answered nothing (a command, a press). ErrNotFound
// when no input with that key is remembered (never applied, or pruned
// after a week).
func (db *DB) AnsweredBy(ctx context.Context, key string) (int64, *dialogs.AnswerRef, error) {
	var rec struct {
		Contact int64  `db:"contact_id"`
		Replies []byte `db:"replies"`
	}
	err := db.GetContext(ctx, &rec, `SELECT contact_id, replies FROM processed_inputs WHERE key = $1`, key)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, nil, ErrNotFound
	}
	if err != nil {
		return 0, nil, fmt.Errorf("find input %s: %w", key, err)
	}
	var replies []dialogs.Reply
	if len(rec.Replies) > 0 {
		if err := json.Unmarshal(rec.Replies, &replies); err != nil {
			return 0, nil, fmt.Errorf("replies of input %s: %w", key, err)
		}
	}
	for _, r := range replies {
		if r.Answer != nil {
			return rec.Contact, r.Answer, nil
		}
	}
	return rec.Contact, nil, nil
}

package store

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/base64"
	"errors"
	"fmt"
	"time"
)

// ErrDownloadGone is a download link that is unknown, past its lifetime,
// or whose downloads are spent.
var ErrDownloadGone = errors.New("download link unknown, expired or used up")

// Download is a file behind a download link of the desk.
type Download struct {
	Name        string    `db:"name"`
	ContentType string    `db:"content_type"`
	Body        []byte    `db:"body"`
	Created     time.Time `db:"created_at"`
}

// downloadTokenBytes is 256 random bits: the link is its only credential.
const downloadTokenBytes = 32

// CreateDownload keeps a file for a contact behind a new link, good until
// expires for downloads whole downloads, and returns the link's token
// (stored only as a hash). Links past their lifetime are dropped meanwhile.
func (db *DB) CreateDownload(ctx context.Context, contact int64, d Download, expires time.Time, downloads int) (string, error) {
	raw := make([]byte, downloadTokenBytes)
	if _, err := rand.Read(raw); err != nil {
		return "", fmt.Errorf("download token: %w", err)
	}
	token := base64.RawURLEncoding.EncodeToString(raw)
	err := db.Transact(ctx, func(tx *Tx) error {
		if _, err := tx.ExecContext(ctx, `DELETE FROM download_links WHERE expires_at < $1`, d.Created); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, `INSERT INTO download_links (token_hash, contact_id, name, content_type, body, size, created_at, expires_at, max_downloads)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
			hashToken(token), contact, d.Name, d.ContentType, d.Body, len(d.Body), d.Created, expires, downloads)
		return err
	})
	if err != nil {
		return "", fmt.Errorf("create download: %w", err)
	}
	return token, nil
}

// OpenDownload returns the file behind a link at now, spending from its
// budget what charge says the request will send (given the file's size):
// the whole file for a download, a range's length for a range, nothing for
// HEAD. A link unknown, expired, or whose budget (its downloads times the
// file's size) the request would overrun is ErrDownloadGone.
func (db *DB) OpenDownload(ctx context.Context, token string, now time.Time, charge func(size int64) int64) (*Download, error) {
	var out *Download
	err := db.Transact(ctx, func(tx *Tx) error {
		out = nil
		var row struct {
			Download
			Size   int64 `db:"size"`
			Served int64 `db:"served"`
			Max    int64 `db:"max_downloads"`
		}
		err := tx.GetContext(ctx, &row, `SELECT name, content_type, body, created_at, size, served, max_downloads
			FROM download_links WHERE token_hash = $1 AND expires_at > $2 FOR UPDATE`, hashToken(token), now)
		if errors.Is(err, sql.ErrNoRows) {
			return ErrDownloadGone
		}
		if err != nil {
			return err
		}
		spend, budget := charge(row.Size), row.Max*max(row.Size, 1)
		if row.Served >= budget || row.Served+spend > budget {
			return ErrDownloadGone
		}
		if spend > 0 {
			if _, err := tx.ExecContext(ctx, `UPDATE download_links SET served = served + $2 WHERE token_hash = $1`, hashToken(token), spend); err != nil {
				return err
			}
		}
		out = &row.Download
		return nil
	})
	if errors.Is(err, ErrDownloadGone) {
		return nil, err
	}
	if err != nil {
		return nil, fmt.Errorf("open download: %w", err)
	}
	return out, nil
}

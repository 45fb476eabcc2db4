-- +goose Up

-- A download of the desk (Mini App): the file made when it was asked for,
-- behind a link of its own that Telegram's clients fetch without the
-- person's sign-in. The link's token is stored only as its SHA-256. It
-- lives minutes and serves a few downloads' worth of bytes (served counts
-- what went out, so a download fetched in byte ranges, as Telegram Web
-- fetches one, is one download). The file is kept whole so that every
-- range of a download reads the same bytes.
CREATE TABLE download_links (
    token_hash    bytea PRIMARY KEY,
    contact_id    bigint      NOT NULL REFERENCES contacts (id) ON DELETE CASCADE,
    name          text        NOT NULL,
    content_type  text        NOT NULL,
    body          bytea       NOT NULL,
    size          bigint      NOT NULL,
    created_at    timestamptz NOT NULL,
    expires_at    timestamptz NOT NULL,
    max_downloads integer     NOT NULL CHECK (max_downloads > 0),
    served        bigint      NOT NULL DEFAULT 0
);
-- XLSX and ZIP are compressed already: stored as they are, not again.
ALTER TABLE download_links ALTER COLUMN body SET STORAGE EXTERNAL;
CREATE INDEX download_links_expiry ON download_links (expires_at);

-- +goose Down
DROP TABLE download_links;

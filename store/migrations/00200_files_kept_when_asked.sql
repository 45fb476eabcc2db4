-- +goose Up

-- Files are kept only when a file field asked for one (issue 20): the field
-- that asked, what the content is (SniffFile's verdict, comma-separated),
-- the transport's id of the file itself (Telegram's file_unique_id: the
-- same file sent again is stored once per unit), and when a turn last
-- attached it, from which the sweep counts an orphan's grace period.
-- Earlier rows get the migration's time, so the files stored before (asked
-- for or not) that no answer refers to go a grace period after upgrading.
ALTER TABLE files
    ADD COLUMN form_id    text        NOT NULL DEFAULT '',
    ADD COLUMN field_id   text        NOT NULL DEFAULT '',
    ADD COLUMN unique_id  text        NOT NULL DEFAULT '',
    ADD COLUMN kinds      text        NOT NULL DEFAULT '',
    ADD COLUMN touched_at timestamptz NOT NULL DEFAULT now();
UPDATE files SET kinds = kind WHERE kind <> 'unknown';
CREATE INDEX files_unique_id ON files (campaign_id, unit_code, unique_id) WHERE unique_id <> '';
CREATE INDEX files_sha256 ON files (campaign_id, unit_code, sha256);
CREATE INDEX files_touched ON files (touched_at);

-- +goose Down
SELECT 1;

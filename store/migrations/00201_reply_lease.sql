-- +goose Up

-- Replies go out after their turn is committed, from whichever process
-- applied it; lease_until is how long that process has to send them before
-- a redelivery or the sweep (any replica) may send them instead (issue 20:
-- a reply is sent once however often its update is delivered). Rows
-- written before carry the migration's time.
ALTER TABLE processed_inputs ADD COLUMN lease_until timestamptz NOT NULL DEFAULT now() + interval '2 minutes';

-- +goose Down
SELECT 1;

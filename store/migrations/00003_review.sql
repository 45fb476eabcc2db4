-- +goose Up

-- Messages to contacts other than the one whose input caused them (review
-- requests, results, returns), written in the same transaction as the change
-- that causes them and delivered by a sender.
CREATE TABLE outbox (
    id              bigserial PRIMARY KEY,
    contact_id      bigint      NOT NULL REFERENCES contacts (id) ON DELETE CASCADE,
    kind            text        NOT NULL,
    payload         jsonb       NOT NULL,
    created_at      timestamptz NOT NULL DEFAULT now(),
    next_attempt_at timestamptz NOT NULL DEFAULT now(),
    attempts        integer     NOT NULL DEFAULT 0,
    sent_at         timestamptz,
    last_error      text        NOT NULL DEFAULT ''
);
CREATE INDEX outbox_due ON outbox (next_attempt_at, id) WHERE sent_at IS NULL;
CREATE INDEX outbox_contact ON outbox (contact_id, id) WHERE sent_at IS NULL;

-- +goose Down
SELECT 1;

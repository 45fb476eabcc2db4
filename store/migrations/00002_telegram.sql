-- +goose Up

-- Inputs already applied, by idempotency key ("tg:<update_id>"), with the
-- replies they produced: a redelivered update is applied once, and its
-- replies can be sent again if they never went out.
CREATE TABLE processed_inputs (
    key        text        PRIMARY KEY,
    contact_id bigint REFERENCES contacts (id) ON DELETE CASCADE,
    replies    jsonb       NOT NULL DEFAULT '[]',
    sent       boolean     NOT NULL DEFAULT false,
    handled_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX processed_inputs_handled_at ON processed_inputs (handled_at);

-- One-time invitations: the token itself is never stored, only its SHA-256.
CREATE TABLE invites (
    token_hash  bytea       PRIMARY KEY,
    campaign_id text        NOT NULL,
    unit_code   text        NOT NULL,
    role        text        NOT NULL CHECK (role IN ('filler', 'reviewer', 'admin')),
    created_by  bigint REFERENCES contacts (id),
    created_at  timestamptz NOT NULL DEFAULT now(),
    expires_at  timestamptz NOT NULL,
    used_at     timestamptz,
    used_by     bigint REFERENCES contacts (id),
    FOREIGN KEY (campaign_id, unit_code) REFERENCES units (campaign_id, code)
);

-- A Telegram account acts through its newest active contact.
CREATE INDEX contacts_telegram_user ON contacts (telegram_user_id, created_at DESC) WHERE telegram_user_id IS NOT NULL;

-- +goose Down
SELECT 1;

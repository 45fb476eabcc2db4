-- +goose Up

-- WeCom (企业微信) as a second channel. A WeCom member is an identity of
-- channel 'wecom' (identities.external_id: the member's UserID, lower-cased,
-- as WeCom compares them), of a person like a Telegram account is; no
-- column on contacts. A contact without a Telegram chat whose person has a
-- WeCom identity is reached through WeCom (store/wecom.go routes the
-- outbox so).

-- The desk's sessions inside WeCom: after WeCom's web OAuth named the
-- member, a short-lived cookie whose token is stored only as its SHA-256.
CREATE TABLE wecom_sessions (
    token_hash bytea       PRIMARY KEY,
    user_id    text        NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    expires_at timestamptz NOT NULL
);
CREATE INDEX wecom_sessions_expires ON wecom_sessions (expires_at);

-- WeCom drops, without an error, what passes 30 messages a minute or 1,000
-- an hour from the app to one member: every replica books a member's sends
-- here (the last hour's, as Unix times in seconds) before making them.
CREATE TABLE wecom_pacing (
    user_id text               PRIMARY KEY,
    sends   double precision[] NOT NULL DEFAULT '{}'
);

-- The button cards sent to members: a card shows at most six buttons of at
-- most ten characters, so a screen's buttons are kept here whole, by the
-- card's task_id, for 更多 (the next ones) and for a number typed in reply.
-- A screen (a reply to the member's own message) is kept even without
-- buttons when it asks for a typed answer (typed): a number typed then is
-- the answer, not a button of an older card.
CREATE TABLE wecom_cards (
    task_id    text        PRIMARY KEY,
    user_id    text        NOT NULL,
    contact_id bigint      REFERENCES contacts (id) ON DELETE CASCADE,
    buttons    jsonb       NOT NULL,
    typed      boolean     NOT NULL DEFAULT false,
    screen     boolean     NOT NULL DEFAULT true,
    seq        bigserial,
    created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX wecom_cards_user ON wecom_cards (user_id, seq DESC) WHERE screen;

-- +goose Down
DROP TABLE wecom_cards;
DROP TABLE wecom_pacing;
DROP TABLE wecom_sessions;
DELETE FROM identities WHERE channel = 'wecom';

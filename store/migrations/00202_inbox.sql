-- +goose Up

-- Updates fetched by long polling are kept here before their offset is
-- confirmed to Telegram, and removed once handled (issue 20): the poller
-- fetches on without waiting for a slow chat, and a process that dies
-- leaves what it had not handled to the next poller, in order.
CREATE TABLE inbox (
    bot_id      bigint      NOT NULL,
    update_id   bigint      NOT NULL,
    chat_id     bigint      NOT NULL,
    payload     bytea       NOT NULL, -- the update's JSON as Telegram sent it
    received_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (bot_id, update_id)
);
CREATE INDEX inbox_chat ON inbox (bot_id, chat_id, update_id);

-- +goose Down
SELECT 1;

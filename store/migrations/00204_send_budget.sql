-- +goose Up

-- The per-bot sending rate across replicas (issue 20; SEND_RATE was each
-- replica's own, so two replicas could send twice Telegram's rate on one
-- token): a token bucket each replica's outbox claim draws from, and the
-- replies it sent meanwhile are charged to.
CREATE TABLE send_budget (
    bot_id bigint           PRIMARY KEY,
    tokens double precision NOT NULL,
    at     timestamptz      NOT NULL DEFAULT now()
);

-- +goose Down
SELECT 1;

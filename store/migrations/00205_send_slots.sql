-- +goose Up

-- The bot's sending rate across replicas as the next free slot (a virtual
-- clock, GCRA) instead of a token count: a claim gives each message its
-- own slot, 1/SEND_RATE apart after the last one given, so that however
-- long a claim takes, all replicas together send at SEND_RATE.
ALTER TABLE send_budget DROP COLUMN tokens;
ALTER TABLE send_budget RENAME COLUMN at TO next_slot;

-- +goose Down
SELECT 1;

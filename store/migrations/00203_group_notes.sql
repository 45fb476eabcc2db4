-- +goose Up

-- Groups and channels the bot was put in (issue 20): the bot does not
-- converse there; it says once, at most every so often per chat across
-- replicas, that it works in private chats, and leaves.
CREATE TABLE group_notes (
    chat_id  bigint      PRIMARY KEY,
    told_at  timestamptz NOT NULL DEFAULT now(),
    messages bigint      NOT NULL DEFAULT 1 -- what reached the bot there, for the operator
);

-- +goose Down
SELECT 1;

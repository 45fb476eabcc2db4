-- +goose Up

-- A contact's command menu (and, with APP_URL, its Mini App button) is set
-- per chat by the outbox sender, as an outbox row of kind 'menu': durable,
-- retried, taken once across replicas. A reviewer's menu shows /summary,
-- /export and /invite, a filler's does not. Contacts registered before
-- this migration get theirs now.
INSERT INTO outbox (contact_id, kind, payload)
SELECT id, 'menu', '{}' FROM contacts WHERE active AND chat_id IS NOT NULL ORDER BY id;

-- +goose Down
DELETE FROM outbox WHERE kind = 'menu' AND sent_at IS NULL;

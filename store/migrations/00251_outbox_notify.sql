-- +goose Up

-- The outbox's senders (Telegram's and WeCom's, in every replica) wait for
-- a NOTIFY on tianbao_outbox instead of looking at the table every half
-- second: a statement that queues messages notifies once, at its
-- transaction's commit (PostgreSQL sends NOTIFYs at commit and folds equal
-- ones of a transaction into one, so a turn that tells five contacts wakes
-- the senders once). A message moved earlier (a held reminder let out, a
-- claimed message given back for a retry sooner than its lease) notifies
-- too; one put off (a claim's lease, a retry tomorrow) does not.

-- +goose StatementBegin
CREATE FUNCTION outbox_notify() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('tianbao_outbox', '');
    RETURN NULL;
END $$;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE FUNCTION outbox_notify_queued() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF EXISTS (SELECT 1 FROM queued) THEN
        PERFORM pg_notify('tianbao_outbox', '');
    END IF;
    RETURN NULL;
END $$;
-- +goose StatementEnd

CREATE TRIGGER outbox_queued AFTER INSERT ON outbox REFERENCING NEW TABLE AS queued
    FOR EACH STATEMENT EXECUTE FUNCTION outbox_notify_queued();

CREATE TRIGGER outbox_sooner AFTER UPDATE OF next_attempt_at ON outbox
    FOR EACH ROW WHEN (NEW.sent_at IS NULL AND NEW.next_attempt_at < OLD.next_attempt_at)
    EXECUTE FUNCTION outbox_notify();

-- +goose Down
DROP TRIGGER outbox_sooner ON outbox;
DROP TRIGGER outbox_queued ON outbox;
DROP FUNCTION outbox_notify_queued();
DROP FUNCTION outbox_notify();

-- +goose Up

-- A session's version, bumped by every write to it. An answer is applied
-- optimistically: read without locks, then written in one statement that
-- checks the session's version and the draft's revision are still the ones
-- read (see store/dialogs.go). Every writer of sessions bumps it.
ALTER TABLE sessions ADD COLUMN version bigint NOT NULL DEFAULT 0;

-- tianbao_expect raises a serialization failure when ok is false, so that a
-- guarded statement rolls back whole and the caller runs its turn again,
-- this time with locks.
-- +goose StatementBegin
CREATE FUNCTION tianbao_expect(ok boolean) RETURNS boolean LANGUAGE plpgsql AS $$
BEGIN
    IF ok IS NOT TRUE THEN
        RAISE EXCEPTION 'the session or draft changed since it was read'
            USING ERRCODE = 'serialization_failure';
    END IF;
    RETURN true;
END
$$;
-- +goose StatementEnd

-- +goose Down
DROP FUNCTION tianbao_expect(boolean);
ALTER TABLE sessions DROP COLUMN version;

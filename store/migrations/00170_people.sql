-- +goose Up

-- A person is whoever acts, through any channel, in any number of places.
-- A contact is one of a person's places: a role in a unit of a campaign,
-- with its own session (where that place's dialog stands). One Telegram
-- account is one person: a county official in the one-off notice and the
-- quarterly return, a filler in one unit and a reviewer in another, keeps
-- every place and moves between them.
CREATE TABLE people (
    id              bigserial PRIMARY KEY,
    display_name    text        NOT NULL DEFAULT '',
    -- The place typed text goes to: a chat is one conversation for all of
    -- a person's places. Whoever moves it away from a contact bumps that
    -- contact's session version in the same statement, so that a turn
    -- prepared for it (read, or remembered from its last turn) is caught by
    -- the version check of its write. Not a foreign key: contacts refer to
    -- people, and a contact is never deleted, only made inactive.
    current_contact bigint,
    created_at      timestamptz NOT NULL DEFAULT now()
);

-- How a person is recognised and reached, one row per channel: a Telegram
-- user id (and the private chat the bot writes to), a console user, later
-- a WeCom member's userid. A channel's identity belongs to one person.
CREATE TABLE identities (
    channel     text        NOT NULL,
    external_id text        NOT NULL,
    person_id   bigint      NOT NULL REFERENCES people (id),
    chat_id     bigint,
    created_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (channel, external_id)
);
CREATE INDEX identities_person ON identities (person_id);

ALTER TABLE contacts ADD COLUMN person_id bigint REFERENCES people (id);

-- The people behind the contacts there are: one per Telegram account (its
-- contacts in every campaign become its places), one per console contact
-- (the console acts as the one contact its flags name), one for any other.
-- +goose StatementBegin
DO $$
DECLARE
    r record;
    p bigint;
BEGIN
    FOR r IN SELECT telegram_user_id AS tg,
            (array_agg(display_name ORDER BY created_at DESC, id DESC))[1] AS name,
            (array_agg(chat_id ORDER BY created_at DESC, id DESC))[1] AS chat
        FROM contacts WHERE telegram_user_id IS NOT NULL GROUP BY telegram_user_id ORDER BY min(id)
    LOOP
        INSERT INTO people (display_name) VALUES (r.name) RETURNING id INTO p;
        INSERT INTO identities (channel, external_id, person_id, chat_id) VALUES ('telegram', r.tg::text, p, r.chat);
        UPDATE contacts SET person_id = p WHERE telegram_user_id = r.tg;
    END LOOP;
    FOR r IN SELECT id, campaign_id, unit_code, role, console_name, display_name FROM contacts
        WHERE person_id IS NULL ORDER BY id
    LOOP
        INSERT INTO people (display_name) VALUES (r.display_name) RETURNING id INTO p;
        IF r.console_name IS NOT NULL THEN
            INSERT INTO identities (channel, external_id, person_id)
            VALUES ('console', r.campaign_id || '/' || r.unit_code || '/' || r.role || '/' || r.console_name, p);
        END IF;
        UPDATE contacts SET person_id = p WHERE id = r.id;
    END LOOP;
END
$$;
-- +goose StatementEnd

-- Each person starts where they last were: their newest place.
UPDATE people p SET current_contact = (SELECT k.id FROM contacts k WHERE k.person_id = p.id AND k.active
    ORDER BY k.created_at DESC, k.id DESC LIMIT 1);

ALTER TABLE contacts ALTER COLUMN person_id SET NOT NULL;

-- A Telegram account was one contact per campaign (a second invite moved
-- it); now it is a person with a place per unit: one per campaign, unit and
-- person.
DROP INDEX contacts_telegram;
CREATE UNIQUE INDEX contacts_place ON contacts (campaign_id, unit_code, person_id);
CREATE INDEX contacts_person ON contacts (person_id);

-- +goose Down
DROP INDEX contacts_person;
DROP INDEX contacts_place;
ALTER TABLE contacts DROP COLUMN person_id;
DROP TABLE identities;
DROP TABLE people;
CREATE UNIQUE INDEX contacts_telegram ON contacts (campaign_id, telegram_user_id) WHERE telegram_user_id IS NOT NULL;

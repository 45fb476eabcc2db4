-- +goose Up

-- Who holds a role in a unit, kept apart from any one campaign: the roster.
-- A campaign that shares it gives every role of a unit it has a place (a
-- contact, unit_role_id naming the role), so that loading a new campaign
-- over the same units reaches the people already registered for them, with
-- their roles, without new invitations; an invite to such a campaign adds a
-- role here, for all of them at once; removing a person from a unit ends the
-- role and every place it gave. Unit codes are the roster's keys: only
-- campaigns whose units sit as they do in the others share it.
CREATE TABLE unit_roles (
    id         bigserial PRIMARY KEY,
    unit_code  text        NOT NULL,
    person_id  bigint      NOT NULL REFERENCES people (id),
    role       text        NOT NULL CHECK (role IN ('filler', 'reviewer', 'admin')),
    active     boolean     NOT NULL DEFAULT true,
    granted_at timestamptz NOT NULL DEFAULT now(),
    granted_in text        NOT NULL DEFAULT '', -- the campaign whose invite gave it
    ended_at   timestamptz,
    ended_by   bigint                           -- the contact who removed the person (NULL: the command line)
);
CREATE UNIQUE INDEX unit_roles_held ON unit_roles (unit_code, person_id) WHERE active;

-- Whether a campaign takes part in the roster, as its last load decided:
-- the file's roster key, else (auto) whether its units sit under the same
-- parents as in the campaigns that share; differs says where they do not.
CREATE TABLE campaign_rosters (
    campaign_id text        PRIMARY KEY,
    shared      boolean     NOT NULL,
    differs     text        NOT NULL DEFAULT '',
    decided_at  timestamptz NOT NULL DEFAULT now()
);

ALTER TABLE contacts ADD COLUMN unit_role_id bigint REFERENCES unit_roles (id);
CREATE INDEX contacts_unit_role ON contacts (unit_role_id) WHERE unit_role_id IS NOT NULL;

-- The campaigns there are, in the order they were first loaded: each shares
-- the roster when its units sit as in those already sharing it (no file
-- said otherwise before this release).
-- +goose StatementBegin
DO $$
DECLARE
    c record;
    clash text;
BEGIN
    FOR c IN SELECT id FROM campaigns GROUP BY id ORDER BY min(loaded_at), id LOOP
        SELECT string_agg(DISTINCT n.code, ', ') INTO clash
        FROM units n JOIN units o ON o.code = n.code AND o.campaign_id <> n.campaign_id
        JOIN campaign_rosters r ON r.campaign_id = o.campaign_id AND r.shared
        WHERE n.campaign_id = c.id AND n.parent_code IS NOT NULL
            AND COALESCE(o.parent_code, '') <> n.parent_code;
        INSERT INTO campaign_rosters (campaign_id, shared, differs)
        VALUES (c.id, clash IS NULL, COALESCE(clash, ''));
    END LOOP;
END
$$;
-- +goose StatementEnd

-- The roles held today: each Telegram person's places in shared campaigns,
-- one role per unit (the newest place's, when they differ).
INSERT INTO unit_roles (unit_code, person_id, role, granted_at, granted_in)
SELECT DISTINCT ON (k.unit_code, k.person_id) k.unit_code, k.person_id, k.role, k.created_at, k.campaign_id
FROM contacts k JOIN campaign_rosters r ON r.campaign_id = k.campaign_id AND r.shared
WHERE k.active AND k.console_name IS NULL
ORDER BY k.unit_code, k.person_id, k.created_at DESC, k.id DESC;

UPDATE contacts k SET unit_role_id = r.id, role = r.role
FROM unit_roles r, campaign_rosters c
WHERE r.unit_code = k.unit_code AND r.person_id = k.person_id AND r.active
    AND c.campaign_id = k.campaign_id AND c.shared AND k.active AND k.console_name IS NULL;

-- ...and the places they give in the other shared campaigns over the same
-- units, each with a fresh session.
WITH made AS (
    INSERT INTO contacts (campaign_id, unit_code, role, telegram_user_id, chat_id, display_name, person_id, unit_role_id)
    SELECT c.campaign_id, r.unit_code, r.role, i.external_id::bigint, i.chat_id, p.display_name, r.person_id, r.id
    FROM unit_roles r
    JOIN units u ON u.code = r.unit_code
    JOIN campaign_rosters c ON c.campaign_id = u.campaign_id AND c.shared
    JOIN people p ON p.id = r.person_id
    JOIN identities i ON i.person_id = r.person_id AND i.channel = 'telegram'
    WHERE r.active
    ON CONFLICT (campaign_id, unit_code, person_id) DO NOTHING
    RETURNING id)
INSERT INTO sessions (contact_id) SELECT id FROM made;

-- +goose Down
ALTER TABLE contacts DROP COLUMN unit_role_id;
DROP TABLE campaign_rosters;
DROP TABLE unit_roles;

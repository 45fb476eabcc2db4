-- +goose Up

-- Every loaded version of a campaign file, kept whole so that any version can
-- be loaded again byte for byte.
CREATE TABLE campaigns (
    id          text        NOT NULL,
    version     integer     NOT NULL,
    title       text        NOT NULL,
    source_name text        NOT NULL,
    source      text        NOT NULL,
    files       jsonb       NOT NULL DEFAULT '{}',
    loaded_at   timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (id, version)
);

-- The unit hierarchy of a campaign. path is the chain of codes from the root
-- ("330000/330100/330106") so that a subtree is one prefix match.
CREATE TABLE units (
    campaign_id text    NOT NULL,
    code        text    NOT NULL,
    name        text    NOT NULL,
    level       text    NOT NULL CHECK (level IN ('province', 'city', 'county')),
    parent_code text,
    path        text    NOT NULL,
    position    integer NOT NULL,
    PRIMARY KEY (campaign_id, code)
);
CREATE INDEX units_subtree ON units (campaign_id, path text_pattern_ops);

-- People who act for a unit. A Telegram account is a contact once per
-- campaign; console contacts are named instead.
CREATE TABLE contacts (
    id               bigserial PRIMARY KEY,
    campaign_id      text        NOT NULL,
    unit_code        text        NOT NULL,
    role             text        NOT NULL CHECK (role IN ('filler', 'reviewer', 'admin')),
    telegram_user_id bigint,
    chat_id          bigint,
    console_name     text,
    display_name     text        NOT NULL DEFAULT '',
    active           boolean     NOT NULL DEFAULT true,
    unreachable_at   timestamptz,
    created_at       timestamptz NOT NULL DEFAULT now(),
    FOREIGN KEY (campaign_id, unit_code) REFERENCES units (campaign_id, code)
);
CREATE UNIQUE INDEX contacts_telegram ON contacts (campaign_id, telegram_user_id) WHERE telegram_user_id IS NOT NULL;
CREATE UNIQUE INDEX contacts_console ON contacts (campaign_id, unit_code, role, console_name) WHERE console_name IS NOT NULL;
CREATE INDEX contacts_unit ON contacts (campaign_id, unit_code);

-- Where each contact is in the dialog. Locked for the length of every input,
-- so one contact's inputs apply one at a time, in order.
CREATE TABLE sessions (
    contact_id bigint      PRIMARY KEY REFERENCES contacts (id) ON DELETE CASCADE,
    state      jsonb       NOT NULL DEFAULT '{}',
    updated_at timestamptz NOT NULL DEFAULT now()
);

-- A unit's working copy of a form, shared by all its contacts.
CREATE TABLE drafts (
    campaign_id text        NOT NULL,
    unit_code   text        NOT NULL,
    form_id     text        NOT NULL,
    status      text        NOT NULL DEFAULT 'draft' CHECK (status IN ('draft', 'submitted', 'returned', 'approved')),
    flags       jsonb       NOT NULL DEFAULT '{}', -- confirmed soft warnings, finished lists
    next_row    integer     NOT NULL DEFAULT 1,
    revision    bigint      NOT NULL DEFAULT 0,
    updated_at  timestamptz NOT NULL DEFAULT now(),
    updated_by  bigint REFERENCES contacts (id),
    PRIMARY KEY (campaign_id, unit_code, form_id),
    FOREIGN KEY (campaign_id, unit_code) REFERENCES units (campaign_id, code)
);

-- The rows of list and table sections, in order (序号 follows seq).
CREATE TABLE answer_rows (
    campaign_id text    NOT NULL,
    unit_code   text    NOT NULL,
    form_id     text    NOT NULL,
    section_id  text    NOT NULL,
    row_key     text    NOT NULL,
    seq         integer NOT NULL,
    PRIMARY KEY (campaign_id, unit_code, form_id, section_id, row_key),
    FOREIGN KEY (campaign_id, unit_code, form_id) REFERENCES drafts ON DELETE CASCADE
);

-- One answer: a field of a row of a section of a unit's form, in canonical form.
CREATE TABLE answers (
    campaign_id text        NOT NULL,
    unit_code   text        NOT NULL,
    form_id     text        NOT NULL,
    section_id  text        NOT NULL,
    row_key     text        NOT NULL, -- '' for a record section
    field_id    text        NOT NULL,
    value       text        NOT NULL,
    updated_at  timestamptz NOT NULL DEFAULT now(),
    updated_by  bigint REFERENCES contacts (id),
    PRIMARY KEY (campaign_id, unit_code, form_id, section_id, row_key, field_id),
    FOREIGN KEY (campaign_id, unit_code, form_id) REFERENCES drafts ON DELETE CASCADE
);

-- Submitted versions: immutable copies of a draft, numbered per unit and form.
CREATE TABLE submissions (
    id               bigserial PRIMARY KEY,
    campaign_id      text        NOT NULL,
    unit_code        text        NOT NULL,
    form_id          text        NOT NULL,
    version          integer     NOT NULL,
    campaign_version integer     NOT NULL,
    data             jsonb       NOT NULL,
    status           text        NOT NULL CHECK (status IN ('submitted', 'returned', 'approved', 'withdrawn')),
    submitted_by     bigint REFERENCES contacts (id),
    submitted_at     timestamptz NOT NULL DEFAULT now(),
    UNIQUE (campaign_id, unit_code, form_id, version)
);

-- What happened to a submission, in order: submitted, returned (with the
-- reason and the flagged fields), approved, withdrawn.
CREATE TABLE submission_events (
    id            bigserial PRIMARY KEY,
    submission_id bigint      NOT NULL REFERENCES submissions (id),
    status        text        NOT NULL,
    actor_id      bigint REFERENCES contacts (id),
    reason        text        NOT NULL DEFAULT '',
    flagged       jsonb       NOT NULL DEFAULT '[]',
    at            timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX submission_events_submission ON submission_events (submission_id);

-- Every change to data: who, when, what, the old value and the new one.
CREATE TABLE audit_log (
    id          bigserial PRIMARY KEY,
    at          timestamptz NOT NULL DEFAULT now(),
    actor_id    bigint REFERENCES contacts (id),
    campaign_id text        NOT NULL,
    unit_code   text        NOT NULL DEFAULT '',
    form_id     text        NOT NULL DEFAULT '',
    action      text        NOT NULL,
    target      text        NOT NULL DEFAULT '',
    old_value   text,
    new_value   text
);
CREATE INDEX audit_log_unit ON audit_log (campaign_id, unit_code, form_id, at);

-- Uploaded documents (policy files, plan texts). Kept in the database so that
-- every replica serves them and a backup holds everything; at most 20 MB each.
CREATE TABLE files (
    id          bigserial PRIMARY KEY,
    campaign_id text        NOT NULL,
    unit_code   text        NOT NULL,
    name        text        NOT NULL,
    kind        text        NOT NULL,
    size        bigint      NOT NULL,
    sha256      text        NOT NULL,
    content     bytea       NOT NULL,
    uploaded_by bigint REFERENCES contacts (id),
    uploaded_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX files_unit ON files (campaign_id, unit_code);

-- +goose Down
-- Forward-only: migrations are never undone in production.
SELECT 1;

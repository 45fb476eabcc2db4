-- +goose Up

-- Reminder slots already handled: (unit, form, slot time). Recorded in the
-- same transaction as the messages they queue, so a restart at 09:30, or a
-- second replica, sends nothing twice. Digests to reviewers use the form
-- '*digest*'.
CREATE TABLE reminder_slots (
    campaign_id text        NOT NULL,
    unit_code   text        NOT NULL,
    form_id     text        NOT NULL,
    slot_at     timestamptz NOT NULL,
    created_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (campaign_id, unit_code, form_id, slot_at)
);

-- Requests for more time, and the reviewer's decision.
CREATE TABLE extensions (
    id           bigserial PRIMARY KEY,
    campaign_id  text        NOT NULL,
    unit_code    text        NOT NULL,
    form_id      text        NOT NULL,
    reason       text        NOT NULL,
    new_due      date        NOT NULL,
    status       text        NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'approved', 'refused')),
    requested_by bigint REFERENCES contacts (id),
    decided_by   bigint REFERENCES contacts (id),
    created_at   timestamptz NOT NULL DEFAULT now(),
    decided_at   timestamptz
);
CREATE INDEX extensions_unit ON extensions (campaign_id, unit_code, form_id, status);

-- +goose Down
SELECT 1;

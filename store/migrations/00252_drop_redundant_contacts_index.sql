-- +goose Up
-- contacts_place (campaign_id, unit_code, person_id) serves every lookup
-- of a unit's contacts that contacts_unit (campaign_id, unit_code) did, as
-- its leading columns; the second index only cost an insert at each
-- redemption of an invite.
DROP INDEX contacts_unit;

-- +goose Down
CREATE INDEX contacts_unit ON contacts (campaign_id, unit_code);

-- +goose Up

-- A campaign names its own levels (全国, 省, 市, 县, 乡镇; 主管部门, 企业):
-- a unit's level is the campaign's, not one of three fixed words.
ALTER TABLE units DROP CONSTRAINT units_level_check;

-- +goose Down
ALTER TABLE units ADD CONSTRAINT units_level_check CHECK (level IN ('province', 'city', 'county'));

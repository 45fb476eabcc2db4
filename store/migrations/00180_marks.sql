-- +goose Up

-- An aggregator marks a subordinate's form (or package) 免报 (exempt) or
-- 未收到 (not_received), with a reason: a submission of that status made by
-- the level above, which its package carries, and the unit's draft stands
-- so until the unit submits after all.
ALTER TABLE submissions DROP CONSTRAINT submissions_status_check;
ALTER TABLE submissions ADD CONSTRAINT submissions_status_check
    CHECK (status IN ('submitted', 'returned', 'approved', 'withdrawn', 'exempt', 'not_received'));
ALTER TABLE drafts DROP CONSTRAINT drafts_status_check;
ALTER TABLE drafts ADD CONSTRAINT drafts_status_check
    CHECK (status IN ('draft', 'submitted', 'returned', 'approved', 'exempt', 'not_received'));

-- +goose Down
UPDATE drafts SET status = 'draft' WHERE status IN ('exempt', 'not_received');
UPDATE submissions SET status = 'withdrawn' WHERE status IN ('exempt', 'not_received');
ALTER TABLE drafts DROP CONSTRAINT drafts_status_check;
ALTER TABLE drafts ADD CONSTRAINT drafts_status_check CHECK (status IN ('draft', 'submitted', 'returned', 'approved'));
ALTER TABLE submissions DROP CONSTRAINT submissions_status_check;
ALTER TABLE submissions ADD CONSTRAINT submissions_status_check CHECK (status IN ('submitted', 'returned', 'approved', 'withdrawn'));

-- +goose Up

-- Settings a deployment remembers between starts. menu_app_url is the
-- APP_URL the chats' menu buttons were last set for: when it changes, every
-- contact's menu is set again (outbox rows of kind 'menu').
CREATE TABLE settings (
    name       text PRIMARY KEY,
    value      text        NOT NULL,
    updated_at timestamptz NOT NULL DEFAULT now()
);

-- +goose Down
DROP TABLE settings;

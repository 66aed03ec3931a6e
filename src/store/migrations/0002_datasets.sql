-- The dataset tables of the standard presets (shared/design/datasets.md).
--
-- Each table is created with just its id and then completed column by column with
-- ADD COLUMN IF NOT EXISTS: on a fresh database that is the same as one CREATE TABLE, and on a
-- Supabase project that already has these tables (from the original Python service) it adds only
-- what is missing instead of failing. Uniqueness is a unique index for the same reason; ON CONFLICT
-- (column) uses it like a constraint.
--
-- Relations are plain uuid / uuid[] columns without foreign keys: rows arrive in any order.
-- Every table carries the spec's standard sync columns and an updated_at trigger.

-- meetings: two-way Notion ⇄ Postgres
CREATE TABLE IF NOT EXISTS meetings (id uuid PRIMARY KEY DEFAULT gen_random_uuid());
ALTER TABLE meetings
    ADD COLUMN IF NOT EXISTS title             text,
    ADD COLUMN IF NOT EXISTS date              timestamptz,
    ADD COLUMN IF NOT EXISTS end_date          timestamptz,
    ADD COLUMN IF NOT EXISTS summary           text,
    ADD COLUMN IF NOT EXISTS type              text,
    ADD COLUMN IF NOT EXISTS contact_ids       uuid[],
    ADD COLUMN IF NOT EXISTS notion_page_id    text,
    ADD COLUMN IF NOT EXISTS notion_updated_at timestamptz,
    ADD COLUMN IF NOT EXISTS last_sync_source  text,
    ADD COLUMN IF NOT EXISTS created_at        timestamptz NOT NULL DEFAULT now(),
    ADD COLUMN IF NOT EXISTS updated_at        timestamptz NOT NULL DEFAULT now(),
    ADD COLUMN IF NOT EXISTS deleted_at        timestamptz;
CREATE UNIQUE INDEX IF NOT EXISTS meetings_notion_page_id_key ON meetings (notion_page_id);
CREATE INDEX IF NOT EXISTS meetings_updated_at_idx ON meetings (updated_at);
CREATE OR REPLACE TRIGGER meetings_set_updated_at BEFORE UPDATE ON meetings
    FOR EACH ROW EXECUTE FUNCTION jarvis_sync.set_updated_at();

-- tasks: two-way Notion ⇄ Postgres
CREATE TABLE IF NOT EXISTS tasks (id uuid PRIMARY KEY DEFAULT gen_random_uuid());
ALTER TABLE tasks
    ADD COLUMN IF NOT EXISTS title             text,
    ADD COLUMN IF NOT EXISTS status            text,
    ADD COLUMN IF NOT EXISTS due_date          date,
    ADD COLUMN IF NOT EXISTS priority          text,
    ADD COLUMN IF NOT EXISTS notes             text,
    ADD COLUMN IF NOT EXISTS meeting_id        uuid,
    ADD COLUMN IF NOT EXISTS notion_page_id    text,
    ADD COLUMN IF NOT EXISTS notion_updated_at timestamptz,
    ADD COLUMN IF NOT EXISTS last_sync_source  text,
    ADD COLUMN IF NOT EXISTS created_at        timestamptz NOT NULL DEFAULT now(),
    ADD COLUMN IF NOT EXISTS updated_at        timestamptz NOT NULL DEFAULT now(),
    ADD COLUMN IF NOT EXISTS deleted_at        timestamptz;
CREATE UNIQUE INDEX IF NOT EXISTS tasks_notion_page_id_key ON tasks (notion_page_id);
CREATE INDEX IF NOT EXISTS tasks_updated_at_idx ON tasks (updated_at);
CREATE INDEX IF NOT EXISTS tasks_meeting_id_idx ON tasks (meeting_id);
CREATE OR REPLACE TRIGGER tasks_set_updated_at BEFORE UPDATE ON tasks
    FOR EACH ROW EXECUTE FUNCTION jarvis_sync.set_updated_at();

-- reflections: two-way Notion ⇄ Postgres
CREATE TABLE IF NOT EXISTS reflections (id uuid PRIMARY KEY DEFAULT gen_random_uuid());
ALTER TABLE reflections
    ADD COLUMN IF NOT EXISTS title             text,
    ADD COLUMN IF NOT EXISTS date              date,
    ADD COLUMN IF NOT EXISTS content           text,
    ADD COLUMN IF NOT EXISTS mood              text,
    ADD COLUMN IF NOT EXISTS notion_page_id    text,
    ADD COLUMN IF NOT EXISTS notion_updated_at timestamptz,
    ADD COLUMN IF NOT EXISTS last_sync_source  text,
    ADD COLUMN IF NOT EXISTS created_at        timestamptz NOT NULL DEFAULT now(),
    ADD COLUMN IF NOT EXISTS updated_at        timestamptz NOT NULL DEFAULT now(),
    ADD COLUMN IF NOT EXISTS deleted_at        timestamptz;
CREATE UNIQUE INDEX IF NOT EXISTS reflections_notion_page_id_key ON reflections (notion_page_id);
CREATE INDEX IF NOT EXISTS reflections_updated_at_idx ON reflections (updated_at);
CREATE OR REPLACE TRIGGER reflections_set_updated_at BEFORE UPDATE ON reflections
    FOR EACH ROW EXECUTE FUNCTION jarvis_sync.set_updated_at();

-- journals: two-way Notion ⇄ Postgres
CREATE TABLE IF NOT EXISTS journals (id uuid PRIMARY KEY DEFAULT gen_random_uuid());
ALTER TABLE journals
    ADD COLUMN IF NOT EXISTS title             text,
    ADD COLUMN IF NOT EXISTS date              date,
    ADD COLUMN IF NOT EXISTS content           text,
    ADD COLUMN IF NOT EXISTS tags              text[],
    ADD COLUMN IF NOT EXISTS notion_page_id    text,
    ADD COLUMN IF NOT EXISTS notion_updated_at timestamptz,
    ADD COLUMN IF NOT EXISTS last_sync_source  text,
    ADD COLUMN IF NOT EXISTS created_at        timestamptz NOT NULL DEFAULT now(),
    ADD COLUMN IF NOT EXISTS updated_at        timestamptz NOT NULL DEFAULT now(),
    ADD COLUMN IF NOT EXISTS deleted_at        timestamptz;
CREATE UNIQUE INDEX IF NOT EXISTS journals_notion_page_id_key ON journals (notion_page_id);
CREATE INDEX IF NOT EXISTS journals_updated_at_idx ON journals (updated_at);
CREATE OR REPLACE TRIGGER journals_set_updated_at BEFORE UPDATE ON journals
    FOR EACH ROW EXECUTE FUNCTION jarvis_sync.set_updated_at();

-- books: one-way Notion → Postgres
CREATE TABLE IF NOT EXISTS books (id uuid PRIMARY KEY DEFAULT gen_random_uuid());
ALTER TABLE books
    ADD COLUMN IF NOT EXISTS title             text,
    ADD COLUMN IF NOT EXISTS author            text,
    ADD COLUMN IF NOT EXISTS status            text,
    ADD COLUMN IF NOT EXISTS rating            numeric,
    ADD COLUMN IF NOT EXISTS finished_at       date,
    ADD COLUMN IF NOT EXISTS url               text,
    ADD COLUMN IF NOT EXISTS tags              text[],
    ADD COLUMN IF NOT EXISTS notion_page_id    text,
    ADD COLUMN IF NOT EXISTS notion_updated_at timestamptz,
    ADD COLUMN IF NOT EXISTS last_sync_source  text,
    ADD COLUMN IF NOT EXISTS created_at        timestamptz NOT NULL DEFAULT now(),
    ADD COLUMN IF NOT EXISTS updated_at        timestamptz NOT NULL DEFAULT now(),
    ADD COLUMN IF NOT EXISTS deleted_at        timestamptz;
CREATE UNIQUE INDEX IF NOT EXISTS books_notion_page_id_key ON books (notion_page_id);
CREATE INDEX IF NOT EXISTS books_updated_at_idx ON books (updated_at);
CREATE OR REPLACE TRIGGER books_set_updated_at BEFORE UPDATE ON books
    FOR EACH ROW EXECUTE FUNCTION jarvis_sync.set_updated_at();

-- highlights: one-way Notion → Postgres
CREATE TABLE IF NOT EXISTS highlights (id uuid PRIMARY KEY DEFAULT gen_random_uuid());
ALTER TABLE highlights
    ADD COLUMN IF NOT EXISTS text              text,
    ADD COLUMN IF NOT EXISTS book_id           uuid,
    ADD COLUMN IF NOT EXISTS location          text,
    ADD COLUMN IF NOT EXISTS note              text,
    ADD COLUMN IF NOT EXISTS highlighted_at    timestamptz,
    ADD COLUMN IF NOT EXISTS notion_page_id    text,
    ADD COLUMN IF NOT EXISTS notion_updated_at timestamptz,
    ADD COLUMN IF NOT EXISTS last_sync_source  text,
    ADD COLUMN IF NOT EXISTS created_at        timestamptz NOT NULL DEFAULT now(),
    ADD COLUMN IF NOT EXISTS updated_at        timestamptz NOT NULL DEFAULT now(),
    ADD COLUMN IF NOT EXISTS deleted_at        timestamptz;
CREATE UNIQUE INDEX IF NOT EXISTS highlights_notion_page_id_key ON highlights (notion_page_id);
CREATE INDEX IF NOT EXISTS highlights_updated_at_idx ON highlights (updated_at);
CREATE INDEX IF NOT EXISTS highlights_book_id_idx ON highlights (book_id);
CREATE OR REPLACE TRIGGER highlights_set_updated_at BEFORE UPDATE ON highlights
    FOR EACH ROW EXECUTE FUNCTION jarvis_sync.set_updated_at();

-- contacts: three-way Google ⇄ Postgres ⇄ Notion
CREATE TABLE IF NOT EXISTS contacts (id uuid PRIMARY KEY DEFAULT gen_random_uuid());
ALTER TABLE contacts
    ADD COLUMN IF NOT EXISTS name                 text,
    ADD COLUMN IF NOT EXISTS emails               text[],
    ADD COLUMN IF NOT EXISTS phones               text[],
    ADD COLUMN IF NOT EXISTS company              text,
    ADD COLUMN IF NOT EXISTS notes                text,
    ADD COLUMN IF NOT EXISTS tags                 text[],
    ADD COLUMN IF NOT EXISTS google_resource_name text,
    ADD COLUMN IF NOT EXISTS google_etag          text,
    ADD COLUMN IF NOT EXISTS google_updated_at    timestamptz,
    ADD COLUMN IF NOT EXISTS notion_page_id       text,
    ADD COLUMN IF NOT EXISTS notion_updated_at    timestamptz,
    ADD COLUMN IF NOT EXISTS last_sync_source     text,
    ADD COLUMN IF NOT EXISTS created_at           timestamptz NOT NULL DEFAULT now(),
    ADD COLUMN IF NOT EXISTS updated_at           timestamptz NOT NULL DEFAULT now(),
    ADD COLUMN IF NOT EXISTS deleted_at           timestamptz;
CREATE UNIQUE INDEX IF NOT EXISTS contacts_notion_page_id_key ON contacts (notion_page_id);
CREATE UNIQUE INDEX IF NOT EXISTS contacts_google_resource_name_key ON contacts (google_resource_name);
CREATE INDEX IF NOT EXISTS contacts_updated_at_idx ON contacts (updated_at);
-- contacts are matched across sources by email before a new one is created
CREATE INDEX IF NOT EXISTS contacts_emails_idx ON contacts USING gin (emails);
CREATE OR REPLACE TRIGGER contacts_set_updated_at BEFORE UPDATE ON contacts
    FOR EACH ROW EXECUTE FUNCTION jarvis_sync.set_updated_at();

-- calendar_events: one-way Google Calendar → Postgres
CREATE TABLE IF NOT EXISTS calendar_events (id uuid PRIMARY KEY DEFAULT gen_random_uuid());
ALTER TABLE calendar_events
    ADD COLUMN IF NOT EXISTS google_event_id    text,
    ADD COLUMN IF NOT EXISTS calendar_id        text,
    ADD COLUMN IF NOT EXISTS summary            text,
    ADD COLUMN IF NOT EXISTS description        text,
    ADD COLUMN IF NOT EXISTS location           text,
    ADD COLUMN IF NOT EXISTS starts_at          timestamptz,
    ADD COLUMN IF NOT EXISTS ends_at            timestamptz,
    ADD COLUMN IF NOT EXISTS all_day            boolean,
    ADD COLUMN IF NOT EXISTS start_date         date,
    ADD COLUMN IF NOT EXISTS end_date           date,
    ADD COLUMN IF NOT EXISTS time_zone          text,
    ADD COLUMN IF NOT EXISTS status             text,
    ADD COLUMN IF NOT EXISTS attendee_emails    text[],
    ADD COLUMN IF NOT EXISTS contact_ids        uuid[],
    ADD COLUMN IF NOT EXISTS recurring_event_id text,
    ADD COLUMN IF NOT EXISTS html_link          text,
    ADD COLUMN IF NOT EXISTS google_updated_at  timestamptz,
    ADD COLUMN IF NOT EXISTS notion_page_id     text,
    ADD COLUMN IF NOT EXISTS notion_updated_at  timestamptz,
    ADD COLUMN IF NOT EXISTS last_sync_source   text,
    ADD COLUMN IF NOT EXISTS created_at         timestamptz NOT NULL DEFAULT now(),
    ADD COLUMN IF NOT EXISTS updated_at         timestamptz NOT NULL DEFAULT now(),
    ADD COLUMN IF NOT EXISTS deleted_at         timestamptz;
CREATE UNIQUE INDEX IF NOT EXISTS calendar_events_notion_page_id_key ON calendar_events (notion_page_id);
CREATE UNIQUE INDEX IF NOT EXISTS calendar_events_google_event_id_key ON calendar_events (google_event_id);
CREATE INDEX IF NOT EXISTS calendar_events_updated_at_idx ON calendar_events (updated_at);
CREATE INDEX IF NOT EXISTS calendar_events_starts_at_idx ON calendar_events (starts_at);
CREATE OR REPLACE TRIGGER calendar_events_set_updated_at BEFORE UPDATE ON calendar_events
    FOR EACH ROW EXECUTE FUNCTION jarvis_sync.set_updated_at();

-- emails: one-way Gmail → Postgres
CREATE TABLE IF NOT EXISTS emails (id uuid PRIMARY KEY DEFAULT gen_random_uuid());
ALTER TABLE emails
    ADD COLUMN IF NOT EXISTS gmail_message_id  text,
    ADD COLUMN IF NOT EXISTS thread_id         text,
    ADD COLUMN IF NOT EXISTS from_address      text,
    ADD COLUMN IF NOT EXISTS to_addresses      text[],
    ADD COLUMN IF NOT EXISTS cc_addresses      text[],
    ADD COLUMN IF NOT EXISTS subject           text,
    ADD COLUMN IF NOT EXISTS snippet           text,
    ADD COLUMN IF NOT EXISTS label_ids         text[],
    ADD COLUMN IF NOT EXISTS sent_at           timestamptz,
    ADD COLUMN IF NOT EXISTS contact_ids       uuid[],
    ADD COLUMN IF NOT EXISTS history_id        text,
    ADD COLUMN IF NOT EXISTS notion_page_id    text,
    ADD COLUMN IF NOT EXISTS notion_updated_at timestamptz,
    ADD COLUMN IF NOT EXISTS last_sync_source  text,
    ADD COLUMN IF NOT EXISTS created_at        timestamptz NOT NULL DEFAULT now(),
    ADD COLUMN IF NOT EXISTS updated_at        timestamptz NOT NULL DEFAULT now(),
    ADD COLUMN IF NOT EXISTS deleted_at        timestamptz;
CREATE UNIQUE INDEX IF NOT EXISTS emails_notion_page_id_key ON emails (notion_page_id);
CREATE UNIQUE INDEX IF NOT EXISTS emails_gmail_message_id_key ON emails (gmail_message_id);
CREATE INDEX IF NOT EXISTS emails_updated_at_idx ON emails (updated_at);
CREATE INDEX IF NOT EXISTS emails_sent_at_idx ON emails (sent_at);
CREATE INDEX IF NOT EXISTS emails_thread_id_idx ON emails (thread_id);
CREATE OR REPLACE TRIGGER emails_set_updated_at BEFORE UPDATE ON emails
    FOR EACH ROW EXECUTE FUNCTION jarvis_sync.set_updated_at();

-- Row level security on, no grants to PUBLIC or Supabase's API roles (anon, authenticated; absent
-- on plain PostgreSQL): only the owner jarvis-sync connects as reads and writes these tables. An
-- app that should read one grants it and adds a policy (README, "Tables, RLS and the Data API").
DO $$
DECLARE
    t text;
    api_role text;
BEGIN
    FOREACH t IN ARRAY ARRAY['meetings', 'tasks', 'reflections', 'journals', 'books', 'highlights', 'contacts', 'calendar_events', 'emails'] LOOP
        EXECUTE format('ALTER TABLE %I ENABLE ROW LEVEL SECURITY', t);
        EXECUTE format('REVOKE ALL ON %I FROM PUBLIC', t);
        FOREACH api_role IN ARRAY ARRAY['anon', 'authenticated'] LOOP
            IF EXISTS (SELECT 1 FROM pg_catalog.pg_roles WHERE rolname = api_role) THEN
                EXECUTE format('REVOKE ALL ON %I FROM %I', t, api_role);
            END IF;
        END LOOP;
    END LOOP;
END $$;

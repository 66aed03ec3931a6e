-- Core tables: the spec's sync_state and sync_logs, and the engine's ledger.
--
-- sync_state and sync_logs may already exist in a Supabase project that ran the original Python
-- service, so they are created only when missing and then completed column by column.

CREATE TABLE IF NOT EXISTS sync_state (
    key         text PRIMARY KEY,          -- e.g. 'gmail_history_id'
    value       text,                      -- token / id / cursor
    updated_at  timestamptz DEFAULT now()
);

CREATE TABLE IF NOT EXISTS sync_logs (
    id          uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    event_type  text NOT NULL,             -- 'meetings_sync', 'full_sync_complete', ...
    status      text NOT NULL,             -- 'success' | 'error' | 'warning'
    message     text,
    details     jsonb,
    created_at  timestamptz DEFAULT now()
);
-- start_time/end_time: the spec's "sync duration trends" query reads them.
ALTER TABLE sync_logs
    ADD COLUMN IF NOT EXISTS start_time timestamptz,
    ADD COLUMN IF NOT EXISTS end_time   timestamptz;

CREATE INDEX IF NOT EXISTS sync_logs_created_at_idx ON sync_logs (created_at);
CREATE INDEX IF NOT EXISTS sync_logs_event_type_created_at_idx ON sync_logs (event_type, created_at);

-- Every synced table keeps updated_at current with this trigger function.
-- An UPDATE that sets updated_at itself (an import, a backfill keeping its history) keeps it;
-- every other UPDATE stamps now().
CREATE OR REPLACE FUNCTION jarvis_set_updated_at() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.updated_at IS NOT DISTINCT FROM OLD.updated_at THEN
        NEW.updated_at := now();
    END IF;
    RETURN NEW;
END;
$$;

-- The shadow ledger: per record, the canonical value both sides last agreed on (the merge base)
-- and the ids that link the record across Notion, Postgres and Google.
CREATE TABLE sync_links (
    dataset           text NOT NULL,
    record_id         uuid NOT NULL,       -- the row's id in the dataset table
    notion_page_id    text,
    google_id         text,
    base              jsonb,               -- last agreed canonical record
    base_hash         text,
    notion_edited_at  timestamptz,         -- Notion last_edited_time at that sync
    pg_updated_at     timestamptz,         -- the row's updated_at at that sync
    synced_at         timestamptz DEFAULT now(),
    PRIMARY KEY (dataset, record_id),
    UNIQUE (dataset, notion_page_id),
    UNIQUE (dataset, google_id)
);

-- Records that failed to sync; retried on the next run, so a cursor never skips them.
CREATE TABLE sync_failures (
    dataset          text NOT NULL,
    source           text NOT NULL,        -- 'notion' | 'postgres' | 'google'
    source_id        text NOT NULL,        -- page id, row id or Google id
    error            text,
    attempts         int DEFAULT 1,
    first_failed_at  timestamptz DEFAULT now(),
    last_failed_at   timestamptz DEFAULT now(),
    PRIMARY KEY (dataset, source, source_id)
);

-- Core: everything jarvis-sync keeps for itself lives in schema jarvis_sync, where it cannot collide
-- with another tool's tables in public and is not exposed by Supabase's Data API (which serves
-- public). The schema and jarvis_sync.schema_migrations are created by migrate.ts before this file
-- runs (it records this file there).
--
-- Every table here has row level security enabled with no policy: the owner (the role jarvis-sync
-- connects as) is unaffected, every other role sees nothing. No grants to PUBLIC, anon or
-- authenticated (Supabase's API roles, absent on plain PostgreSQL: hence the pg_roles checks).
--
-- The statements are idempotent (IF NOT EXISTS) because the upgrade of a database migrated by an
-- earlier jarvis-sync (migrate.ts, upgradeLegacyLayout) moves its existing tables into jarvis_sync
-- and then runs this same file to complete them.

-- The spec's sync_state: small named values (sync tokens, cursors).
CREATE TABLE IF NOT EXISTS jarvis_sync.sync_state (
    key         text PRIMARY KEY,          -- e.g. 'gmail_history_id'
    value       text,                      -- token / id / cursor
    updated_at  timestamptz DEFAULT now()
);

-- The spec's sync_logs: the audit trail.
CREATE TABLE IF NOT EXISTS jarvis_sync.sync_logs (
    id          uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    event_type  text NOT NULL,             -- 'meetings_sync', 'full_sync_complete', ...
    status      text NOT NULL,             -- 'success' | 'error' | 'warning'
    message     text,
    details     jsonb,
    created_at  timestamptz DEFAULT now()
);
-- start_time/end_time: the spec's "sync duration trends" query reads them. Added column by column
-- because a legacy sync_logs (adopted from the original Python service) may lack them.
ALTER TABLE jarvis_sync.sync_logs
    ADD COLUMN IF NOT EXISTS start_time timestamptz,
    ADD COLUMN IF NOT EXISTS end_time   timestamptz;

CREATE INDEX IF NOT EXISTS sync_logs_created_at_idx ON jarvis_sync.sync_logs (created_at);
CREATE INDEX IF NOT EXISTS sync_logs_event_type_created_at_idx ON jarvis_sync.sync_logs (event_type, created_at);

-- Every synced table keeps updated_at current with this trigger function.
-- An UPDATE that sets updated_at itself (an import, a backfill keeping its history) keeps it;
-- every other UPDATE stamps now(). search_path is fixed (empty: now() is in pg_catalog, always
-- searched) so no role's search_path can change what the function calls.
CREATE OR REPLACE FUNCTION jarvis_sync.set_updated_at() RETURNS trigger
LANGUAGE plpgsql
SET search_path = ''
AS $$
BEGIN
    IF NEW.updated_at IS NOT DISTINCT FROM OLD.updated_at THEN
        NEW.updated_at := now();
    END IF;
    RETURN NEW;
END;
$$;

-- The shadow ledger: per record, the canonical value both sides last agreed on (the merge base)
-- and the ids that link the record across Notion, Postgres and Google.
CREATE TABLE IF NOT EXISTS jarvis_sync.sync_links (
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
CREATE TABLE IF NOT EXISTS jarvis_sync.sync_failures (
    dataset          text NOT NULL,
    source           text NOT NULL,        -- 'notion' | 'postgres' | 'google'
    source_id        text NOT NULL,        -- page id, row id or Google id
    error            text,
    attempts         int DEFAULT 1,
    first_failed_at  timestamptz DEFAULT now(),
    last_failed_at   timestamptz DEFAULT now(),
    PRIMARY KEY (dataset, source, source_id)
);

-- The dataset tables jarvis-sync made or was allowed to change: 'created' by a migration,
-- 'adopted' by an explicit setting, 'legacy' when an earlier jarvis-sync (which kept no such
-- record) migrated the database. A table not listed here is never altered.
CREATE TABLE IF NOT EXISTS jarvis_sync.owned_tables (
    table_schema text NOT NULL DEFAULT 'public',
    table_name   text NOT NULL,
    dataset      text NOT NULL,
    how          text NOT NULL CHECK (how IN ('created','adopted','legacy')),
    recorded_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (table_schema, table_name)
);

-- The spec's monitoring queries (SELECT … FROM sync_logs / FROM sync_state) run as written for a
-- user with the default search path: views in public over the tables above. security_invoker makes
-- the view check the querying role's rights on the table (so RLS applies through it too), and the
-- views get no grants either (a view cannot have RLS itself). Only when the name is free: a
-- sync_logs table of another tool (the original Python service, say) is left as it is, and
-- `jarvis-sync doctor` names the jarvis_sync table to query instead.
DO $$
DECLARE
    view_name text;
    api_role text;
BEGIN
    FOREACH view_name IN ARRAY ARRAY['sync_logs', 'sync_state'] LOOP
        CONTINUE WHEN to_regclass('public.' || view_name) IS NOT NULL;
        IF view_name = 'sync_logs' THEN
            CREATE VIEW public.sync_logs WITH (security_invoker = true) AS
                SELECT id, event_type, status, message, details, created_at, start_time, end_time FROM jarvis_sync.sync_logs;
        ELSE
            CREATE VIEW public.sync_state WITH (security_invoker = true) AS
                SELECT key, value, updated_at FROM jarvis_sync.sync_state;
        END IF;
        EXECUTE format('COMMENT ON VIEW public.%I IS %L', view_name,
                       format('jarvis-sync: the spec''s %s, stored in jarvis_sync.%s', view_name, view_name));
        EXECUTE format('REVOKE ALL ON public.%I FROM PUBLIC', view_name);
        FOREACH api_role IN ARRAY ARRAY['anon', 'authenticated'] LOOP
            IF EXISTS (SELECT 1 FROM pg_catalog.pg_roles WHERE rolname = api_role) THEN
                EXECUTE format('REVOKE ALL ON public.%I FROM %I', view_name, api_role);
            END IF;
        END LOOP;
    END LOOP;
END $$;

-- Lock the schema down: RLS on, no grants but the owner's; Supabase's API roles lose whatever
-- default privileges gave them.
DO $$
DECLARE
    rel text;
    api_role text;
BEGIN
    REVOKE ALL ON SCHEMA jarvis_sync FROM PUBLIC;
    FOREACH rel IN ARRAY ARRAY['schema_migrations', 'sync_state', 'sync_logs', 'sync_links', 'sync_failures', 'owned_tables'] LOOP
        EXECUTE format('ALTER TABLE jarvis_sync.%I ENABLE ROW LEVEL SECURITY', rel);
        EXECUTE format('REVOKE ALL ON jarvis_sync.%I FROM PUBLIC', rel);
    END LOOP;
    FOREACH api_role IN ARRAY ARRAY['anon', 'authenticated'] LOOP
        IF EXISTS (SELECT 1 FROM pg_catalog.pg_roles WHERE rolname = api_role) THEN
            EXECUTE format('REVOKE ALL ON SCHEMA jarvis_sync FROM %I', api_role);
            EXECUTE format('REVOKE ALL ON ALL TABLES IN SCHEMA jarvis_sync FROM %I', api_role);
        END IF;
    END LOOP;
END $$;

-- Postgres → Notion in seconds (issue 15): a change that an app or a person makes to a row of a
-- two-way dataset table is recorded here, and announced with pg_notify, so that the service syncs
-- just that row within seconds instead of at the next scheduled run.
--
-- - The triggers (made by migrate for every enabled two-way dataset table, under their configured
--   names, adopted tables included: src/store/rowChanges.ts) are statement-level with transition
--   tables: one INSERT … SELECT and one notification per statement, however many rows it touched,
--   and no per-row subtransaction.
-- - jarvis-sync's own writes are not recorded (no echo): its statements set the transaction-local
--   setting jarvis_sync.writer (set_config(…, true), which holds for that transaction only, so it
--   works through a transaction pooler and never leaks onto a pooled connection).
-- - An UPDATE that changes nothing (every column as it was) is not recorded.
-- - Nothing is recorded while no service consumes the changes (no row in row_change_consumers seen
--   in the last 10 minutes): a database synced by `jarvis-sync sync` from cron alone never fills
--   the table. The service's start runs `sync all`, which covers what was changed meanwhile.
-- - The service deletes the rows it consumed (src/scheduler/postgresChanges.ts), so the table holds
--   only changes not synced yet.
-- The function is SECURITY DEFINER (owned by the role that migrates, like the tables here): an app
-- role that may write a dataset table (Supabase's authenticated, say) but nothing in schema
-- jarvis_sync still has its changes recorded. search_path is empty: everything is qualified.

CREATE TABLE IF NOT EXISTS jarvis_sync.row_changes (
    id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    table_schema text NOT NULL,
    table_name   text NOT NULL,
    -- The row's id as text: whatever is here is checked before it is used (a uuid of a known table).
    record_id    text NOT NULL,
    op           text NOT NULL,      -- insert | update
    changed_at   timestamptz NOT NULL DEFAULT clock_timestamp()
);

-- One row per running service (a random id per process), renewed every minute.
CREATE TABLE IF NOT EXISTS jarvis_sync.row_change_consumers (
    consumer text PRIMARY KEY,
    mode     text,                   -- listen | polling, for doctor and humans
    seen_at  timestamptz NOT NULL DEFAULT now()
);

ALTER TABLE jarvis_sync.row_changes ENABLE ROW LEVEL SECURITY;
ALTER TABLE jarvis_sync.row_change_consumers ENABLE ROW LEVEL SECURITY;
REVOKE ALL ON jarvis_sync.row_changes FROM PUBLIC;
REVOKE ALL ON jarvis_sync.row_change_consumers FROM PUBLIC;
DO $$
DECLARE api_role text;
BEGIN
    FOREACH api_role IN ARRAY ARRAY['anon', 'authenticated'] LOOP
        IF EXISTS (SELECT 1 FROM pg_catalog.pg_roles WHERE rolname = api_role) THEN
            EXECUTE format('REVOKE ALL ON jarvis_sync.row_changes, jarvis_sync.row_change_consumers FROM %I', api_role);
        END IF;
    END LOOP;
END $$;

CREATE OR REPLACE FUNCTION jarvis_sync.record_row_changes() RETURNS trigger
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = ''
AS $$
DECLARE
    recorded bigint;
BEGIN
    -- jarvis-sync's own write (src/store/rowChanges.ts, OWN_WRITE).
    IF COALESCE(pg_catalog.current_setting('jarvis_sync.writer', true), '') <> '' THEN
        RETURN NULL;
    END IF;
    IF NOT EXISTS (SELECT 1 FROM jarvis_sync.row_change_consumers c
                    WHERE c.seen_at > pg_catalog.now() - interval '10 minutes') THEN
        RETURN NULL;
    END IF;
    IF TG_OP = 'INSERT' THEN
        INSERT INTO jarvis_sync.row_changes (table_schema, table_name, record_id, op)
        SELECT TG_TABLE_SCHEMA, TG_TABLE_NAME, n.id, 'insert'
          FROM (SELECT pg_catalog.to_jsonb(r) ->> 'id' AS id FROM new_rows r) n
         WHERE n.id IS NOT NULL;
    ELSE
        INSERT INTO jarvis_sync.row_changes (table_schema, table_name, record_id, op)
        SELECT TG_TABLE_SCHEMA, TG_TABLE_NAME, n.j ->> 'id', 'update'
          FROM (SELECT pg_catalog.to_jsonb(r) AS j FROM new_rows r) n
          LEFT JOIN (SELECT pg_catalog.to_jsonb(r) AS j FROM old_rows r) o ON (o.j ->> 'id') = (n.j ->> 'id')
         WHERE (n.j ->> 'id') IS NOT NULL AND (o.j IS NULL OR o.j <> n.j);
    END IF;
    GET DIAGNOSTICS recorded = ROW_COUNT;
    IF recorded > 0 THEN
        -- The payload names the table; the listener reads the rows from row_changes.
        PERFORM pg_catalog.pg_notify('jarvis_sync_row_changes', TG_TABLE_NAME);
    END IF;
    RETURN NULL;
END;
$$;

-- Only ever called as a trigger (made by the role that owns it).
REVOKE ALL ON FUNCTION jarvis_sync.record_row_changes() FROM PUBLIC;

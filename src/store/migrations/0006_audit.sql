-- The audit trail per record: besides a run's summary, errors and conflicts, sync_logs holds one
-- row per record a run changed (event_type create_notion_task, update_supabase_meeting,
-- soft_delete_supabase_contact, ...), written in the same transaction as the change.
--
-- Additive only: the columns are NULL on every row written before (and on rows of other tools
-- sharing an adopted sync_logs). All rows of one run carry its run_id, which is the id of the run's
-- summary row (`<dataset>_sync`): WHERE run_id = <summary id> lists what the run did.
ALTER TABLE jarvis_sync.sync_logs
    ADD COLUMN IF NOT EXISTS run_id         uuid,
    ADD COLUMN IF NOT EXISTS dataset        text,
    ADD COLUMN IF NOT EXISTS record_id      uuid,      -- the row's id in the dataset table
    ADD COLUMN IF NOT EXISTS notion_page_id text,
    ADD COLUMN IF NOT EXISTS google_id      text,      -- Google event id, message id or People resource name
    ADD COLUMN IF NOT EXISTS changed_fields text[];    -- field names; values are never logged

-- "What did this run change?" and "what happened to this record?": both read few rows by index.
-- Partial: summary rows of other tools and older rows carry neither.
CREATE INDEX IF NOT EXISTS sync_logs_run_id_idx ON jarvis_sync.sync_logs (run_id) WHERE run_id IS NOT NULL;
CREATE INDEX IF NOT EXISTS sync_logs_record_id_idx ON jarvis_sync.sync_logs (record_id, created_at) WHERE record_id IS NOT NULL;

-- The view in public (0001_core.sql) shows the new columns too, when it is ours: a view whose
-- definition depends on jarvis_sync.sync_logs (the test publicNamesNotOurs makes in migrate.ts).
-- CREATE OR REPLACE VIEW may only append columns, keeps the view's grants (none) and comment.
DO $$
BEGIN
    IF EXISTS (
        SELECT 1 FROM pg_catalog.pg_class c
         WHERE c.oid = to_regclass('public.sync_logs') AND c.relkind = 'v'
           AND EXISTS (SELECT 1 FROM pg_catalog.pg_rewrite r
                         JOIN pg_catalog.pg_depend d ON d.classid = 'pg_catalog.pg_rewrite'::regclass AND d.objid = r.oid
                        WHERE r.ev_class = c.oid AND d.refclassid = 'pg_catalog.pg_class'::regclass
                          AND d.refobjid = 'jarvis_sync.sync_logs'::regclass)
    ) THEN
        CREATE OR REPLACE VIEW public.sync_logs WITH (security_invoker = true) AS
            SELECT id, event_type, status, message, details, created_at, start_time, end_time,
                   run_id, dataset, record_id, notion_page_id, google_id, changed_fields
              FROM jarvis_sync.sync_logs;
    END IF;
END $$;

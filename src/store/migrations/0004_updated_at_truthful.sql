-- updated_at tells when a row's values last changed, and is never left unknown.
--
-- 0001_core.sql stamped now() on every UPDATE, also when jarvis-sync only recorded where a value
-- came from (notion_updated_at, last_sync_source after a push to Notion), and did nothing on
-- INSERT, so an app inserting into an adopted table whose updated_at has no default left it NULL.
-- Now (the dataset tables' triggers fire BEFORE INSERT OR UPDATE; migrate re-creates older ones):
-- - INSERT: a NULL updated_at becomes now(); a given one is kept (imports keep their history).
-- - UPDATE that sets updated_at itself to a value: kept (imports, backfills).
-- - any other UPDATE: now() when a column other than the bookkeeping ones below changed, or when
--   updated_at was NULL (its change time was unknown); otherwise updated_at stays.
-- Bookkeeping columns say which record on another side a row is linked to and which version of it
-- was seen, not what the row holds. search_path is empty: everything called is in pg_catalog.
CREATE OR REPLACE FUNCTION jarvis_sync.set_updated_at() RETURNS trigger
LANGUAGE plpgsql
SET search_path = ''
AS $$
DECLARE
    bookkeeping constant text[] := ARRAY['updated_at', 'created_at', 'notion_page_id', 'notion_updated_at', 'last_sync_source',
                                         'google_resource_name', 'google_etag', 'google_updated_at'];
BEGIN
    IF TG_OP = 'INSERT' THEN
        IF NEW.updated_at IS NULL THEN
            NEW.updated_at := now();
        END IF;
        RETURN NEW;
    END IF;
    IF NEW.updated_at IS NOT NULL AND NEW.updated_at IS DISTINCT FROM OLD.updated_at THEN
        RETURN NEW;
    END IF;
    IF NEW.updated_at IS NULL
       OR (pg_catalog.to_jsonb(NEW) OPERATOR(pg_catalog.-) bookkeeping) IS DISTINCT FROM (pg_catalog.to_jsonb(OLD) OPERATOR(pg_catalog.-) bookkeeping) THEN
        NEW.updated_at := now();
    END IF;
    RETURN NEW;
END;
$$;

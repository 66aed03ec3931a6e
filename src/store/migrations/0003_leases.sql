-- Per-dataset leases: mutual exclusion that holds through any pooler and across machines.
--
-- A session advisory lock belongs to one server connection; behind a transaction pooler (Supabase's
-- port 6543, PgBouncer in transaction mode) consecutive statements of one client land on different
-- server connections, so such a lock protects nothing and can stay held after every client exited.
-- A lease is a row taken and checked in short transactions instead: whoever holds an unexpired,
-- unreleased row for a name owns it; a heartbeat renews it; every write of a run re-checks its
-- fencing token in the write's own transaction, so a run that lost its lease writes nothing more.
CREATE SCHEMA IF NOT EXISTS jarvis_sync;

CREATE TABLE IF NOT EXISTS jarvis_sync.leases (
    name           text PRIMARY KEY,               -- e.g. 'dataset:meetings'
    token          bigint NOT NULL,                -- fencing token: +1 at every acquisition
    owner          text NOT NULL,                  -- human-readable holder: host, pid
    owner_process  text,                           -- machine-readable process identity (liveness check)
    acquired_at    timestamptz NOT NULL,
    renewed_at     timestamptz NOT NULL,
    expires_at     timestamptz NOT NULL,
    released_at    timestamptz                     -- set on release; the row stays so tokens keep growing
);

ALTER TABLE jarvis_sync.leases ENABLE ROW LEVEL SECURITY;
REVOKE ALL ON jarvis_sync.leases FROM PUBLIC;
DO $$
DECLARE r text;
BEGIN
    FOREACH r IN ARRAY ARRAY['anon', 'authenticated'] LOOP
        IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = r) THEN
            EXECUTE format('REVOKE ALL ON jarvis_sync.leases FROM %I', r);
        END IF;
    END LOOP;
END $$;

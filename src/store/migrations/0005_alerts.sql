-- The notifier's memory: one row per problem kind (notion:rate_limited, valve:books, records:tasks …).
--
-- Kept in the database rather than in a process, so a restart keeps the count and every process that
-- finishes runs (the service, `jarvis-sync sync` from cron) adds to the same one. Rule
-- (src/notify/alerts.ts): a kind notifies when it has occurred `threshold` times (5 for transient
-- problems, 1 for permanent ones) within the window (notifications.windowHours, default 24 h), whether
-- or not successes came between; then once more, "resolved", when its dataset or provider next
-- succeeds. Every change is one statement on one row, so two processes finishing runs at once queue on
-- the row lock and exactly one of them sends each message.
CREATE SCHEMA IF NOT EXISTS jarvis_sync;

CREATE TABLE IF NOT EXISTS jarvis_sync.alerts (
    kind          text PRIMARY KEY,
    -- When finished runs showed the problem: those within the window, since the last resolution.
    occurrences   timestamptz[] NOT NULL DEFAULT '{}',
    -- open: counting, nothing sent; notified: the message went out; resolved: "resolved" went out.
    state         text NOT NULL DEFAULT 'open' CHECK (state IN ('open', 'notified', 'resolved')),
    -- Occurrences in this incident: within the window while open, every one since once notified.
    count         integer NOT NULL DEFAULT 0,
    first_seen    timestamptz,
    last_seen     timestamptz,
    notified_at   timestamptz,
    resolved_at   timestamptz,
    -- Written by the statement that moved the row to 'notified': only the process holding it sends.
    notify_token  text,
    severity      text NOT NULL CHECK (severity IN ('permanent', 'transient')),
    -- What the messages say (summary, action, last error detail, provider, dataset), redacted later.
    problem       jsonb NOT NULL,
    datasets      text[] NOT NULL DEFAULT '{}',
    updated_at    timestamptz NOT NULL DEFAULT now()
);

ALTER TABLE jarvis_sync.alerts ENABLE ROW LEVEL SECURITY;
REVOKE ALL ON jarvis_sync.alerts FROM PUBLIC;
DO $$
DECLARE r text;
BEGIN
    FOREACH r IN ARRAY ARRAY['anon', 'authenticated'] LOOP
        IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = r) THEN
            EXECUTE format('REVOKE ALL ON jarvis_sync.alerts FROM %I', r);
        END IF;
    END LOOP;
END $$;

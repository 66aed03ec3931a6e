/**
 * Where the notifier counts: per problem kind, the occurrences within the window and the incident's
 * state (open → notified → resolved). Two ledgers with one rule:
 * - the database ledger (table jarvis_sync.alerts, migration 0005): shared by every process on the
 *   database and kept across restarts, so `jarvis-sync sync` from cron and the service add to one count;
 * - the memory ledger: the same rule within one process, used when the database cannot be reached
 *   (a Postgres outage must still be reported by the service that sees it) and by callers without one.
 *
 * The rule for one kind:
 * - occur(): the occurrence is added and those older than the window dropped; when at least
 *   `threshold` remain and nothing was sent yet, the incident becomes 'notified' and exactly one
 *   caller gets `fire: true` — successes in between do not reset the count;
 * - once notified, later occurrences only count (one message per incident, never a reminder);
 * - resolve(): a notified kind becomes 'resolved' for exactly one caller (it sends "resolved"), and
 *   its occurrences are forgotten, so a comes-back problem is a new incident counting from 1.
 * A kind that is open (not yet notified) is not resolved by a success: its occurrences simply age
 * out of the window.
 */
import { randomUUID } from 'node:crypto';
import type { Logger } from '../lib/logger.ts';
import type { Sql } from '../store/types.ts';
import type { Problem } from './classify.ts';

export type AlertStateName = 'open' | 'notified' | 'resolved';

export interface AlertIncident {
  key: string;
  state: AlertStateName;
  /** Occurrences in this incident: within the window while open, all since once notified. */
  count: number;
  firstSeen: string;
  lastSeen: string;
  /** The latest occurrence's problem, with every dataset it hit in this incident. */
  problem: Problem;
}

export interface OccurOptions {
  /** ISO time of the occurrence (the run's end, from the injected clock). */
  now: string;
  windowMs: number;
  /** 1 for permanent problems, notifications.transientThreshold (5) for transient ones. */
  threshold: number;
}

export interface AlertLedger {
  /** Counts one occurrence; `fire` is true for the one caller whose occurrence made the incident due. */
  occur(problem: Problem, opts: OccurOptions): Promise<{ incident: AlertIncident; fire: boolean }>;
  /** Kinds whose message went out and no "resolved" yet. */
  notified(): Promise<AlertIncident[]>;
  /** notified → resolved; the incident for the one caller that made that change, null for anyone else. */
  resolve(key: string, now: string): Promise<AlertIncident | null>;
  /** Open and notified incidents (for views and tests). */
  incidents(): Promise<AlertIncident[]>;
}

export function createMemoryLedger(): AlertLedger {
  interface Row {
    occurrences: number[];
    state: AlertStateName;
    count: number;
    firstSeen: string;
    lastSeen: string;
    problem: Problem;
  }
  const rows = new Map<string, Row>();
  const view = (key: string, r: Row): AlertIncident => ({ key, state: r.state, count: r.count, firstSeen: r.firstSeen, lastSeen: r.lastSeen, problem: { ...r.problem, datasets: [...r.problem.datasets] } });
  return {
    async occur(problem, { now, windowMs, threshold }) {
      const t = Date.parse(now);
      const prev = rows.get(problem.key);
      const fresh = !prev || prev.state === 'resolved';
      const r: Row = fresh
        ? { occurrences: [], state: 'open', count: 0, firstSeen: now, lastSeen: now, problem: { ...problem, datasets: [] } }
        : prev;
      r.occurrences = [...r.occurrences, t].filter((o) => o > t - windowMs).sort((a, b) => a - b);
      r.lastSeen = now;
      r.problem = { ...problem, datasets: [...new Set([...r.problem.datasets, ...problem.datasets])].sort() };
      let fire = false;
      if (r.state === 'notified') r.count++;
      else {
        r.count = r.occurrences.length;
        r.firstSeen = new Date(r.occurrences[0]!).toISOString();
        if (r.count >= threshold) {
          r.state = 'notified';
          fire = true;
        }
      }
      rows.set(problem.key, r);
      return { incident: view(problem.key, r), fire };
    },
    async notified() {
      return [...rows].filter(([, r]) => r.state === 'notified').map(([k, r]) => view(k, r));
    },
    async resolve(key, now) {
      const r = rows.get(key);
      if (!r || r.state !== 'notified') return null;
      r.state = 'resolved';
      r.occurrences = [];
      r.lastSeen = now;
      return view(key, r);
    },
    async incidents() {
      return [...rows].filter(([, r]) => r.state !== 'resolved').map(([k, r]) => view(k, r));
    },
  };
}

/** The occurrences after this one is added, those older than the window dropped (oldest first). */
const WINDOWED = `ARRAY(SELECT t FROM unnest(a.occurrences || $2::timestamptz) AS t
                        WHERE t > $2::timestamptz - $3::float8 * interval '1 millisecond' ORDER BY t)`;
const BECOMES_DUE = `(a.state <> 'notified' AND cardinality(${WINDOWED}) >= $4::int)`;

/**
 * One statement per occurrence: INSERT … ON CONFLICT DO UPDATE locks the kind's row, so a second
 * process finishing a run at the same moment waits, then computes from the first one's result
 * (every expression below reads the row as committed by the first). The statement that moves the
 * row to 'notified' writes its own random token; only the caller that finds its token in the
 * returned row sends the message.
 */
const OCCUR_SQL = `
INSERT INTO jarvis_sync.alerts AS a
       (kind, occurrences, state, count, first_seen, last_seen, notified_at, notify_token, severity, problem, datasets, updated_at)
VALUES ($1, ARRAY[$2::timestamptz], CASE WHEN $4::int <= 1 THEN 'notified' ELSE 'open' END, 1, $2::timestamptz, $2::timestamptz,
        CASE WHEN $4::int <= 1 THEN $2::timestamptz END, CASE WHEN $4::int <= 1 THEN $8::text END, $5, $6::jsonb, $7::text[], $2::timestamptz)
ON CONFLICT (kind) DO UPDATE SET
       occurrences  = ${WINDOWED},
       state        = CASE WHEN a.state = 'notified' OR ${BECOMES_DUE} THEN 'notified' ELSE 'open' END,
       count        = CASE WHEN a.state = 'notified' THEN a.count + 1 ELSE cardinality(${WINDOWED}) END,
       first_seen   = CASE WHEN a.state = 'notified' THEN a.first_seen ELSE (${WINDOWED})[1] END,
       last_seen    = $2::timestamptz,
       notified_at  = CASE WHEN ${BECOMES_DUE} THEN $2::timestamptz ELSE a.notified_at END,
       notify_token = CASE WHEN ${BECOMES_DUE} THEN $8::text ELSE a.notify_token END,
       severity     = EXCLUDED.severity,
       problem      = EXCLUDED.problem,
       datasets     = ARRAY(SELECT DISTINCT d FROM unnest(CASE WHEN a.state = 'resolved' THEN '{}'::text[] ELSE a.datasets END || $7::text[]) AS d ORDER BY d),
       updated_at   = $2::timestamptz
RETURNING kind, state, count, first_seen, last_seen, severity, problem, datasets, notify_token = $8::text AS fire`;

const COLUMNS = 'kind, state, count, first_seen, last_seen, severity, problem, datasets';

interface AlertRow {
  kind: string;
  state: AlertStateName;
  count: number;
  first_seen: Date | string;
  last_seen: Date | string;
  severity: Problem['severity'];
  problem: Pick<Problem, 'summary' | 'action' | 'detail' | 'provider' | 'dataset'>;
  datasets: string[];
  fire?: boolean | null;
}

function fromRow(r: AlertRow): AlertIncident {
  const iso = (v: Date | string) => new Date(v).toISOString();
  return {
    key: r.kind,
    state: r.state,
    count: Number(r.count),
    firstSeen: iso(r.first_seen),
    lastSeen: iso(r.last_seen),
    problem: { ...r.problem, key: r.kind, severity: r.severity, datasets: r.datasets ?? [] },
  };
}

export function createDatabaseLedger(sql: Sql): AlertLedger {
  return {
    async occur(p, { now, windowMs, threshold }) {
      const problem = { summary: p.summary, action: p.action, detail: p.detail, provider: p.provider, dataset: p.dataset };
      const { rows } = await sql.query<AlertRow>(OCCUR_SQL, [p.key, now, windowMs, threshold, p.severity, JSON.stringify(problem), p.datasets, randomUUID()]);
      const row = rows[0]!;
      return { incident: fromRow(row), fire: row.fire === true };
    },
    async notified() {
      const { rows } = await sql.query<AlertRow>(`SELECT ${COLUMNS} FROM jarvis_sync.alerts WHERE state = 'notified' ORDER BY kind`);
      return rows.map(fromRow);
    },
    async resolve(key, now) {
      // Only the statement that finds the row still 'notified' changes it: one "resolved" message.
      const { rows } = await sql.query<AlertRow>(
        `UPDATE jarvis_sync.alerts SET state = 'resolved', resolved_at = $2::timestamptz, last_seen = $2::timestamptz,
                occurrences = '{}', updated_at = $2::timestamptz
          WHERE kind = $1 AND state = 'notified'
         RETURNING ${COLUMNS}`,
        [key, now],
      );
      return rows[0] ? fromRow(rows[0]) : null;
    },
    async incidents() {
      const { rows } = await sql.query<AlertRow>(`SELECT ${COLUMNS} FROM jarvis_sync.alerts WHERE state <> 'resolved' ORDER BY kind`);
      return rows.map(fromRow);
    },
  };
}

/**
 * The database ledger, and the memory one for any call the database fails (it is down, or not
 * migrated yet): the notifier still counts and notifies a Postgres outage from within the process
 * that sees it, which the database itself cannot hold.
 */
export function withMemoryFallback(primary: AlertLedger, logger: Logger): AlertLedger {
  const memory = createMemoryLedger();
  let warned = false;
  const attempt = async <T>(what: string, fn: (l: AlertLedger) => Promise<T>): Promise<T> => {
    try {
      const out = await fn(primary);
      warned = false;
      return out;
    } catch (e) {
      if (!warned) logger.warn({ err: (e as Error).message, op: what }, 'alert counts could not be read or written in the database; counting in this process until it is back');
      warned = true;
      return fn(memory);
    }
  };
  return {
    occur: (p, o) => attempt('occur', (l) => l.occur(p, o)),
    notified: async () => {
      const fromDb = await attempt('notified', (l) => l.notified());
      const inMemory = await memory.notified();
      const seen = new Set(fromDb.map((i) => i.key));
      return [...fromDb, ...inMemory.filter((i) => !seen.has(i.key))];
    },
    resolve: async (key, now) => (await memory.resolve(key, now)) ?? attempt('resolve', (l) => l.resolve(key, now)),
    incidents: () => attempt('incidents', (l) => l.incidents()),
  };
}

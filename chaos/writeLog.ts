/**
 * The evidence of the lock oracle ("0 overlapping runs"): every sync process of a campaign
 * (chaos/worker.ts) keeps a log of its own — each lease it took and released, and each write it
 * made and under which lease — and the oracle reads the logs of all processes afterwards.
 *
 * The worker records below the engine's lease guard (src/engine/leaseGuard.ts), on the store and
 * connectors the engine is handed, so a write is logged only when it really went out:
 * - Postgres: a transaction that fenced on a lease (its first statement reads the lease row FOR
 *   SHARE with the run's token, src/store/leases.ts); logged from the moment the fence returned
 *   until the transaction's work is done, before its COMMIT. A takeover is an UPDATE of that row,
 *   so it waits for that COMMIT: a successor's writes can only begin after the logged end.
 * - Notion and Google: each create, update or delete call, from before it is sent until it settles
 *   (also when it failed: it may have been applied anyway), under the lease the process holds then.
 * The process's run of a dataset under one lease token is a *phase*: from its first write to its
 * last (a process killed mid-write: to the kill). Two phases of one lease overlap when one begins
 * before the other ended — two runs of one dataset writing at once, what leases must prevent.
 *
 * Times are the machine's wall clock with sub-millisecond resolution (performance.timeOrigin +
 * performance.now()), the same clock in every process of the campaign.
 */
import { appendFileSync, existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import type { RunContext } from '../src/engine/context.ts';
import type { QueryResult, Sql, Store } from '../src/store/types.ts';

export type WriteKind = 'pg' | 'notion' | 'google';

export type LogEvent =
  | { ev: 'acquired'; lease: string; token: number; at: number }
  | { ev: 'released'; lease: string; token: number; at: number }
  | { ev: 'write'; kind: WriteKind; what: string; lease: string | null; token: number | null; begin: number; end: number }
  | { ev: 'begin'; id: number; kind: WriteKind; what: string; lease: string | null; token: number | null; at: number }
  | { ev: 'end'; id: number; at: number }
  /** SIGKILL sent (by the harness, or by the process itself at a failpoint). */
  | { ev: 'killed'; at: number }
  /** The process ended (written by the harness). */
  | { ev: 'exit'; at: number };

export const now = (): number => performance.timeOrigin + performance.now();

/** One process's log: one JSON event a line, appended synchronously (a SIGKILL loses nothing written before it). */
export class RunLog {
  private current: { lease: string; token: number } | null = null;
  private nextId = 1;
  constructor(readonly file: string) {}

  append(e: LogEvent): void {
    appendFileSync(this.file, JSON.stringify(e) + '\n');
  }
  acquired(lease: string, token: number): void {
    this.current = { lease, token };
    this.append({ ev: 'acquired', lease, token, at: now() });
  }
  released(lease: string, token: number): void {
    this.append({ ev: 'released', lease, token, at: now() });
    if (this.current?.lease === lease && this.current.token === token) this.current = null;
  }
  /** A Notion or Google write about to be sent: returns its end(). */
  begin(kind: WriteKind, what: string): () => void {
    const id = this.nextId++;
    this.append({ ev: 'begin', id, kind, what, lease: this.current?.lease ?? null, token: this.current?.token ?? null, at: now() });
    return () => this.append({ ev: 'end', id, at: now() });
  }
  pgWrite(lease: string, token: number, begin: number): void {
    this.append({ ev: 'write', kind: 'pg', what: 'transaction', lease, token, begin, end: now() });
  }
}

// The lease statements of src/store/leases.ts, recognised by their text (the oracle's own check:
// a change there that these no longer match leaves writes without a lease, which the campaign reports).
const ACQUIRE = /^\s*INSERT INTO jarvis_sync\.leases\b/i;
const RENEW = /^\s*UPDATE jarvis_sync\.leases SET renewed_at\b/i;
const RELEASE = /^\s*UPDATE jarvis_sync\.leases SET released_at\b/i;
const FENCE = /\bFROM jarvis_sync\.leases\b[\s\S]*\bFOR SHARE\b/i;

export interface RecorderOptions {
  /**
   * TEST ONLY — the lease stops excluding anything: every acquisition succeeds (it first marks the
   * row released), fences and renewals always pass. What the oracle must catch (test/chaos/locks.test.ts).
   */
  leaseOff?: boolean;
  /** Delay before each Notion write (ms), so that runs' write phases are long enough to meet. */
  writeDelayMs?: number;
  /** Called when the process took a lease. */
  onAcquired?: (lease: string, token: number) => void;
}

/** `ctx` with its store and connectors recording into `log` (the engine's guard wraps these). */
export function recordingContext(ctx: RunContext, log: RunLog, o: RecorderOptions = {}): RunContext {
  return {
    ...ctx,
    store: recordingStore(ctx.store, log, o),
    notion: recordWrites(ctx.notion, ['createPage', 'updatePage', 'addProperties'], log, 'notion', o.writeDelayMs ?? 0),
    google: ctx.google
      ? new Proxy(ctx.google, {
          get: (t, p) => (p === 'people' ? recordWrites(t.people, ['createContact', 'updateContact', 'deleteContact'], log, 'google', 0) : bound(t, p)),
        })
      : undefined,
  };
}

function recordingStore(store: Store, log: RunLog, o: RecorderOptions): Store {
  const recorded: Store = {
    kind: store.kind,
    get statementCount() {
      return store.statementCount;
    },
    async query<T = Record<string, any>>(text: string, params: unknown[] = []): Promise<QueryResult<T>> {
      if (ACQUIRE.test(text)) {
        let r = await store.query<T>(text, params);
        // Lease off: whoever holds it, mark it released and take it (again, when another process
        // took it between the two statements).
        for (let i = 0; o.leaseOff && !r.rows.length && i < 20; i++) {
          await store.query('UPDATE jarvis_sync.leases SET released_at = now() WHERE name = $1 AND released_at IS NULL', [params[0]]);
          r = await store.query<T>(text, params);
        }
        const token = (r.rows[0] as { token?: number } | undefined)?.token;
        if (token !== undefined) {
          log.acquired(String(params[0]), Number(token));
          o.onAcquired?.(String(params[0]), Number(token));
        }
        return r;
      }
      if (o.leaseOff && RENEW.test(text)) return { rows: [], rowCount: 1 };
      if (RELEASE.test(text)) log.released(String(params[0]), Number(params[1]));
      return store.query<T>(text, params);
    },
    transaction: <T>(fn: (tx: Sql) => Promise<T>) =>
      store.transaction(async (tx) => {
        let fence: { lease: string; token: number; at: number } | null = null;
        const recordingTx: Sql = {
          async query<R = Record<string, any>>(text: string, params: unknown[] = []): Promise<QueryResult<R>> {
            if (!FENCE.test(text)) return tx.query<R>(text, params);
            const r: QueryResult<R> = o.leaseOff ? { rows: [{} as R], rowCount: 1 } : await tx.query<R>(text, params);
            if (r.rowCount > 0) fence = { lease: String(params[0]), token: Number(params[1]), at: now() };
            return r;
          },
          transaction: (f) => tx.transaction(f),
          exec: tx.exec ? (s) => tx.exec!(s) : undefined,
        };
        const result = await fn(recordingTx);
        const f = fence as { lease: string; token: number; at: number } | null;
        if (f) log.pgWrite(f.lease, f.token, f.at);
        return result;
      }),
    exec: store.exec ? (s) => store.exec!(s) : undefined,
    close: () => store.close(),
  };
  return recorded;
}

function recordWrites<T extends object>(target: T, writes: string[], log: RunLog, kind: WriteKind, delayMs: number): T {
  return new Proxy(target, {
    get(t, prop) {
      const value = bound(t, prop);
      if (typeof prop !== 'string' || !writes.includes(prop) || typeof value !== 'function') return value;
      return async (...args: unknown[]) => {
        if (delayMs) await new Promise((r) => setTimeout(r, delayMs));
        const end = log.begin(kind, prop);
        try {
          return await (value as (...a: unknown[]) => Promise<unknown>)(...args);
        } finally {
          end();
        }
      };
    },
  });
}

function bound(target: object, prop: string | symbol): unknown {
  const value = Reflect.get(target, prop, target);
  return typeof value === 'function' ? value.bind(target) : value;
}

// ---- the oracle ---------------------------------------------------------------------------------

/** One process's writes under one lease token. */
export interface Phase {
  run: string;
  lease: string;
  token: number;
  begin: number;
  end: number;
  writes: number;
  /** Ends at the process's kill: a write was in flight. */
  cutByKill: boolean;
}

export interface Overlap {
  lease: string;
  a: Phase;
  b: Phase;
  /** How long both wrote (ms). */
  ms: number;
}

export interface WriteLogAnalysis {
  runs: number;
  phases: Phase[];
  /** Pairs of phases of one lease that wrote at the same time. */
  overlaps: Overlap[];
  /** Phases that began after a phase with a higher token of the same lease had begun (a superseded holder writing). */
  staleWrites: Phase[];
  /** Writes made while the process held no lease (or that the recorder could not place). */
  unattributed: number;
  /** Lease holds by process at the moment it was killed: run → lease. */
  heldAtKill: Map<string, { lease: string; token: number; killedAt: number }>;
}

export function readRunLog(file: string): LogEvent[] {
  if (!existsSync(file)) return [];
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter((l) => l.trim())
    .flatMap((l) => {
      try {
        return [JSON.parse(l) as LogEvent];
      } catch {
        return []; // a line cut by SIGKILL mid-write
      }
    });
}

export function analyzeWriteLogs(dir: string): WriteLogAnalysis {
  const files = existsSync(dir) ? readdirSync(dir).filter((f) => f.endsWith('.jsonl')) : [];
  const runs = new Map<string, LogEvent[]>();
  for (const f of files) runs.set(f.replace(/\.jsonl$/, ''), readRunLog(join(dir, f)));
  return analyzeRuns(runs);
}

/** The oracle on the events of each run (by run id). */
export function analyzeRuns(runs: Map<string, LogEvent[]>): WriteLogAnalysis {
  const phases: Phase[] = [];
  let unattributed = 0;
  const heldAtKill = new Map<string, { lease: string; token: number; killedAt: number }>();
  for (const [run, events] of runs) {
    const killedAt = events.find((e) => e.ev === 'killed')?.at;
    const exitAt = events.find((e) => e.ev === 'exit')?.at;
    const byKey = new Map<string, Phase>();
    const add = (lease: string | null, token: number | null, begin: number, end: number, cut: boolean) => {
      if (lease === null || token === null) {
        unattributed++;
        return;
      }
      const key = `${lease}#${token}`;
      const p = byKey.get(key);
      if (!p) byKey.set(key, { run, lease, token, begin, end, writes: 1, cutByKill: cut });
      else {
        p.begin = Math.min(p.begin, begin);
        p.end = Math.max(p.end, end);
        p.writes++;
        p.cutByKill ||= cut;
      }
    };
    const ends = new Map<number, number>();
    for (const e of events) if (e.ev === 'end') ends.set(e.id, e.at);
    let held: { lease: string; token: number } | null = null;
    for (const e of events) {
      if (e.ev === 'write') add(e.lease, e.token, e.begin, e.end, false);
      else if (e.ev === 'begin') {
        const end = ends.get(e.id);
        // A write still in flight when the process died: it may land until then.
        add(e.lease, e.token, e.at, end ?? killedAt ?? exitAt ?? e.at, end === undefined);
      } else if (e.ev === 'acquired') held = { lease: e.lease, token: e.token };
      else if (e.ev === 'released' && held?.lease === e.lease && held.token === e.token) held = null;
    }
    if (killedAt !== undefined && held) heldAtKill.set(run, { ...held, killedAt });
    phases.push(...byKey.values());
  }
  const overlaps: Overlap[] = [];
  const staleWrites: Phase[] = [];
  const byLease = new Map<string, Phase[]>();
  for (const p of phases) byLease.set(p.lease, [...(byLease.get(p.lease) ?? []), p]);
  for (const [lease, list] of byLease) {
    list.sort((x, y) => x.begin - y.begin);
    let maxToken = -Infinity;
    for (let i = 0; i < list.length; i++) {
      const a = list[i]!;
      if (a.token < maxToken) staleWrites.push(a);
      maxToken = Math.max(maxToken, a.token);
      for (let j = i + 1; j < list.length && list[j]!.begin < a.end; j++) {
        const b = list[j]!;
        if (b.run === a.run && b.token === a.token) continue;
        overlaps.push({ lease, a, b, ms: Math.min(a.end, b.end) - b.begin });
      }
    }
  }
  return { runs: runs.size, phases, overlaps, staleWrites, unattributed, heldAtKill };
}

export function describeOverlap(o: Overlap): string {
  const side = (p: Phase) => `run ${p.run} (token ${p.token}, ${p.writes} writes${p.cutByKill ? ', cut by its kill' : ''})`;
  return `${o.lease}: ${side(o.a)} and ${side(o.b)} wrote at the same time for ${o.ms.toFixed(1)} ms`;
}

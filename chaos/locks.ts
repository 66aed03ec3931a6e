/**
 * The lock campaigns: the fault campaign (seed, edits on every side, faulty rounds, convergence,
 * the lost / duplicated / wrongly deleted oracle) with rounds that attack the per-dataset leases
 * (src/store/leases.ts), on a real PostgreSQL — directly, or through PgBouncer in session or
 * transaction mode — and two more verdicts:
 *
 * - **0 overlapping runs**: no two runs of one dataset wrote at the same time (chaos/writeLog.ts:
 *   each sync process logs its leases and writes; the phases of one lease must not meet).
 * - **nothing left locked**: after each round, once every process has exited or been killed and
 *   the lease ttl has passed, no lease is held and no advisory lock is left in pg_locks.
 *
 * Every sync process runs with a lease ttl of a few seconds (CHAOS_LEASE_TTL_MS), so a killed
 * holder's lease expires without long waits. The scenarios, in turn:
 * - overlap-at-once: two processes released at the same instant (a start gate after READY);
 * - overlap-staggered: the second starts a random moment into the first's run;
 * - kill-holder: SIGKILL of a process while it holds a lease (at its 1st–3rd lease), another at
 *   once: the holder is proven dead on this machine, so the successor takes the lease at once;
 * - kill-remote-holder: the same with a holder that looks as if it ran on another machine (no
 *   process key, CHAOS_REMOTE_IDENTITY): its death cannot be proven, the successor started at
 *   once must not take the lease before it expires, and one started after that must;
 * - terminate-backends: pg_terminate_backend of every server process serving jarvis-sync on the
 *   campaign database (pg_stat_activity, application_name 'jarvis-sync') while a process holds a
 *   lease, a second process started at once, two more terminations during the run;
 * - pooler-restart (through a pooler): the pooler restarted (chaos/pooler.ts) while a process holds a
 *   lease, a second process started once it is back.
 */
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';
import type { RunRecord } from './campaign.ts';
import type { CompiledEntries } from './compile.ts';
import { createProcessHarness, type ProcessHarness, type RoundApi, type RoundPlan, type SpawnedRun } from './processHarness.ts';
import { startPrivatePooler, sharedPooler, type PoolMode, type Pooler } from './pooler.ts';
import type { Rng } from './rng.ts';
import { analyzeWriteLogs, describeOverlap, readRunLog, type LogEvent } from './writeLog.ts';

export type LockConnection = 'direct' | PoolMode;
export type LockScenario = 'overlap-at-once' | 'overlap-staggered' | 'kill-holder' | 'kill-remote-holder' | 'terminate-backends' | 'pooler-restart';

export const LOCK_SCENARIOS: LockScenario[] = ['overlap-at-once', 'kill-holder', 'terminate-backends', 'pooler-restart', 'overlap-staggered', 'kill-remote-holder'];

/** The lease ttl of the campaign's sync processes (the heartbeat renews every third of it). */
export const CAMPAIGN_LEASE_TTL_MS = 3_000;

export const connectionLabel = (c: LockConnection) => (c === 'direct' ? 'direct' : `${c} pooler`);

export interface LockCampaignOptions {
  seed: number;
  google: boolean;
  connection: LockConnection;
  /** The PostgreSQL server, directly: the campaign database is created (and dropped) there; the oracle reads through it. */
  serverUrl: string;
  /** The pooler URL of `connection` (its credentials; also the fallback pooler when a private one cannot start). */
  poolerUrl?: string;
  compiled: CompiledEntries;
  ttlMs?: number;
  /** The rotation (default: LOCK_SCENARIOS, without pooler-restart on a direct connection). */
  scenarios?: LockScenario[];
  /** Start a PgBouncer of the campaign's own to restart (default true); false: the shared pooler with KILL/RESUME. */
  privatePooler?: boolean;
  /** The kill scenarios SIGKILL up to this many ms after the lease is taken (default 200; 0: at once, surely while held). */
  killJitterMaxMs?: number;
  /** More environment for every sync process (test/chaos/locks.test.ts: the TEST ONLY CHAOS_LEASE_OFF). */
  env?: Record<string, string>;
  failpointOffset?: number;
  log?: (line: string) => void;
}

export interface LockReport {
  connection: LockConnection;
  /** How the pooler was restarted (null: direct). */
  poolerRestart: string | null;
  ttlMs: number;
  /** Rounds per lock scenario. */
  scenarios: Partial<Record<LockScenario, number>>;
  /** Sync processes whose writes were logged, and their write phases (one per process and lease token). */
  loggedRuns: number;
  phases: number;
  overlaps: number;
  overlapDetails: string[];
  /** Phases that began after a newer holder of the lease had begun (a superseded holder writing). */
  staleWrites: number;
  /** Writes made while the process held no lease. */
  unattributed: number;
  /** Dataset steps that found their dataset locked (the other instance had it). */
  lockedSteps: number;
  /** Leases still held right after every process of a round had ended (killed holders'): each expired or was taken over. */
  leftToExpire: number;
  /** Leases still held once the ttl had passed after every process ended; advisory locks left in pg_locks. */
  leftLocked: number;
  advisoryLocks: number;
  takeovers: {
    /** kill-holder: the successor took the dead holder's lease at once. */
    immediate: number;
    /** kill-remote-holder: the successor waited (found the dataset locked) until the lease expired. */
    waited: number;
    /** kill-remote-holder: the run started after the expiry took the lease. */
    afterExpiry: number;
  };
  backendsTerminated: number;
  poolerRestarts: number;
  /** Anything the lock scenarios must not do (a takeover before expiry, a dead holder's lease not taken, …). */
  findings: string[];
}

export interface LockHarness extends ProcessHarness {
  readonly connection: LockConnection;
  /** How its pooler restarts (null: direct). */
  readonly poolerRestart: string | null;
  /** The report, after a last check that nothing is left locked. */
  lockReport(): Promise<LockReport>;
}

export async function createLockHarness(o: LockCampaignOptions): Promise<LockHarness> {
  const ttlMs = o.ttlMs ?? CAMPAIGN_LEASE_TTL_MS;
  let pooler: Pooler | null = null;
  if (o.connection !== 'direct') {
    if (!o.poolerUrl) throw new Error(`the ${o.connection} lock campaign needs a ${o.connection}-mode pooler URL`);
    if (o.privatePooler !== false) {
      const p = await startPrivatePooler(o.connection, o.poolerUrl, o.serverUrl);
      if ('error' in p) o.log?.(`    no PgBouncer of its own (${p.error}); the pooler restart is KILL/RESUME of the campaign database on the shared pooler`);
      else pooler = p;
    }
    pooler ??= sharedPooler(o.connection, o.poolerUrl);
  }
  const rotation = (o.scenarios ?? LOCK_SCENARIOS).filter((s) => s !== 'pooler-restart' || pooler);
  const report: LockReport = {
    connection: o.connection,
    poolerRestart: pooler?.restartHow ?? null,
    ttlMs,
    scenarios: {},
    loggedRuns: 0,
    phases: 0,
    overlaps: 0,
    overlapDetails: [],
    staleWrites: 0,
    unattributed: 0,
    lockedSteps: 0,
    leftToExpire: 0,
    leftLocked: 0,
    advisoryLocks: 0,
    takeovers: { immediate: 0, waited: 0, afterExpiry: 0 },
    backendsTerminated: 0,
    poolerRestarts: 0,
    findings: [],
  };
  const plan: RoundPlan = async (api, round, r, { full, label }) => {
    const scenario = rotation[(round - 1) % rotation.length]!;
    report.scenarios[scenario] = (report.scenarios[scenario] ?? 0) + 1;
    const db = api.database!;
    const runs = await SCENARIOS[scenario]({ api, round, r, full, label, db, pooler, ttlMs, report, killJitterMaxMs: o.killJitterMaxMs ?? 200, name: `${scenario}${label ? ` ${label}` : ''}` });
    report.lockedSteps += runs.flatMap((x) => x.statuses).filter(([, s]) => s === 'locked').length;
    await settle(db.directUrl, db.name, ttlMs, report, `round ${round} (${scenario})`);
    return runs;
  };
  let h: ProcessHarness;
  try {
    h = await createProcessHarness({
      seed: o.seed,
      google: o.google,
      backend: 'postgres',
      serverUrl: o.serverUrl,
      restartCluster: null,
      failpointOffset: o.failpointOffset,
      log: o.log,
      connectUrl: pooler ? (direct) => pooler!.url(new URL(direct).pathname.slice(1)) : undefined,
      env: { CHAOS_LEASE_TTL_MS: String(ttlMs), ...o.env },
      compiled: o.compiled,
      rounds: plan,
    });
  } catch (e) {
    await pooler?.stop();
    throw e;
  }
  const close = h.close.bind(h);
  return Object.assign(h, {
    connection: o.connection,
    poolerRestart: pooler?.restartHow ?? null,
    async lockReport() {
      const db = h.database!;
      await settle(db.directUrl, db.name, ttlMs, report, 'the end of the campaign');
      const a = analyzeWriteLogs(h.writeLogDir);
      report.loggedRuns = a.runs;
      report.phases = a.phases.length;
      report.overlaps = a.overlaps.length;
      report.overlapDetails = a.overlaps.slice(0, 20).map(describeOverlap);
      report.staleWrites = a.staleWrites.length;
      report.unattributed = a.unattributed;
      return report;
    },
    async close() {
      // The pooler's server connections go first, so that dropping the database cuts nothing of its.
      if (pooler?.kind === 'shared') await pooler.closeDatabase(h.database!.name, close);
      else {
        await pooler?.stop().catch(() => undefined);
        await close();
      }
    },
  });
}

/** Whether a lock campaign failed its lock verdicts. */
export function lockFailed(r: LockReport): boolean {
  return r.overlaps + r.staleWrites + r.unattributed + r.leftLocked + r.advisoryLocks + r.findings.length > 0;
}

// ---- the scenarios ------------------------------------------------------------------------------

interface Ctx {
  api: RoundApi;
  round: number;
  r: Rng;
  full: boolean;
  label: string;
  name: string;
  db: { name: string; directUrl: string };
  pooler: Pooler | null;
  ttlMs: number;
  killJitterMaxMs: number;
  report: LockReport;
}

/**
 * A second process is started with the first, and held at a start gate after READY until the
 * scenario lets it go: it then syncs within milliseconds of the moment the scenario means (the
 * instant of a termination, of a pooler coming back, of a kill), not after its own start-up.
 */
function gated(c: Ctx, who: string, scenario: string, full: boolean): { run: SpawnedRun; go: () => void } {
  const file = join(c.api.dir, `gate-${c.round}-${who}`);
  const go = () => {
    if (!existsSync(file)) writeFileSync(file, '');
  };
  const run = c.api.worker(c.round, scenario, { full, extraEnv: { CHAOS_START_GATE: file } });
  return { run, go };
}

const SCENARIOS: Record<LockScenario, (c: Ctx) => Promise<RunRecord[]>> = {
  async 'overlap-at-once'(c) {
    // Both wait at one gate; it opens when both are ready (or one ended without).
    const gate = join(c.api.dir, `gate-${c.round}`);
    let ready = 0;
    const open = () => existsSync(gate) || writeFileSync(gate, '');
    const spawn = (who: string, full: boolean) =>
      c.api.worker(c.round, `${c.name} (${who})`, { full, extraEnv: { CHAOS_START_GATE: gate }, onReady: () => ++ready === 2 && open() });
    const a = spawn('A', c.full);
    const b = spawn('B', c.r.chance(0.3));
    void a.record.finally(open);
    void b.record.finally(open);
    const runs = await Promise.all([a.record, b.record]);
    noteLocked(runs[1]!, runs);
    return runs;
  },

  async 'overlap-staggered'(c) {
    const delay = c.r.int(Math.max(200, c.api.runEstimateMs));
    const b = gated(c, 'B', `${c.name} (B, ${delay} ms into A's run)`, c.r.chance(0.3));
    const a = c.api.worker(c.round, `${c.name} (A)`, { full: c.full, onReady: () => setTimeout(b.go, delay) });
    const first = await a.record;
    b.go();
    const runs = [first, await b.run.record];
    noteLocked(runs[1]!, runs);
    return runs;
  },

  async 'kill-holder'(c) {
    const next = gated(c, 'successor', `successor at once`, c.r.chance(0.3));
    const { victim, held } = await killAtLease(c, 1 + c.r.int(3), {});
    // At once: the holder is gone from this machine, so the successor needs no ttl.
    next.go();
    const successor = await next.run.record;
    const runs = [victim, successor];
    if (!held) return runs;
    successor.scenario += ` (holder of ${held.lease} proven dead)`;
    const took = acquiredBy(c, next.run.runId, held.lease);
    if (took) {
      c.report.takeovers.immediate++;
      successor.note = join2(successor.note, `took ${held.lease} ${Math.round(took.at - held.killedAt)} ms after the kill`);
    } else if (lockedOn(successor, held.lease)) {
      c.report.findings.push(`${c.name}: the successor found ${held.lease} locked although its holder (killed) was proven dead on this machine`);
      successor.note = join2(successor.note, `FOUND ${held.lease} LOCKED (dead holder not taken over)`);
    }
    return runs;
  },

  async 'kill-remote-holder'(c) {
    const next = gated(c, 'successor', `successor at once`, c.r.chance(0.3));
    const { victim, held, expiresAt } = await killAtLease(c, 1, { CHAOS_REMOTE_IDENTITY: '1' });
    next.go();
    const successor = await next.run.record;
    const runs = [victim, successor];
    if (!held) return runs;
    successor.scenario += ` (holder of ${held.lease} on "another machine")`;
    const took = acquiredBy(c, next.run.runId, held.lease);
    if (took && expiresAt !== null && took.at < expiresAt) {
      c.report.findings.push(`${c.name}: the successor took ${held.lease} ${Math.round(expiresAt - took.at)} ms before the lease of its holder (not proven dead) expired`);
      successor.note = join2(successor.note, `TOOK ${held.lease} BEFORE IT EXPIRED`);
    } else if (took) successor.note = join2(successor.note, `took ${held.lease} after it expired (${Math.round(took.at - held.killedAt)} ms after the kill)`);
    else if (lockedOn(successor, held.lease)) {
      c.report.takeovers.waited++;
      successor.note = join2(successor.note, `found ${held.lease} locked: waits for the ttl`);
    }
    if (!took) {
      // After the expiry, the lease is free for anyone.
      const wait = (expiresAt ?? held.killedAt + c.ttlMs) - Date.now() + 200;
      if (wait > 0) await sleep(wait);
      const after = c.api.worker(c.round, `after the ttl`, { full: c.r.chance(0.3) });
      const rec = await after.record;
      runs.push(rec);
      if (acquiredBy(c, after.runId, held.lease)) {
        c.report.takeovers.afterExpiry++;
        rec.note = join2(rec.note, `took ${held.lease} once it had expired`);
      } else if (lockedOn(rec, held.lease)) {
        c.report.findings.push(`${c.name}: ${held.lease} was still locked after its killed holder's lease had expired`);
        rec.note = join2(rec.note, `${held.lease} STILL LOCKED after the ttl`);
      }
    }
    return runs;
  },

  async 'terminate-backends'(c) {
    let terminated = 0;
    const terminate = () =>
      terminateSyncBackends(c.db.directUrl, c.db.name)
        .then((n) => {
          terminated += n;
          c.report.backendsTerminated += n;
        })
        .catch((e) => c.api.log(`    pg_terminate_backend failed: ${(e as Error).message}`));
    const jitter = c.r.int(300);
    const later = [300 + c.r.int(500), 900 + c.r.int(800)];
    const b = gated(c, 'B', `${c.name} (B, let go at the first termination)`, c.r.chance(0.3));
    let leases = 0;
    // While A holds its first lease: terminate, let B go, and two more terminations while both run.
    const attack = once(() => {
      const first = terminate();
      b.go();
      return [first, ...later.map((ms) => sleep(ms).then(terminate))];
    });
    const a = c.api.worker(c.round, `${c.name} (A)`, {
      full: c.full,
      onLine: (line) => {
        if (line.startsWith('LEASE ') && ++leases === 1) setTimeout(attack.start, jitter);
      },
    });
    const first = await a.record;
    await Promise.all(attack.start());
    const runs = [first, await b.run.record];
    first.note = join2(first.note, `${terminated} server process(es) terminated`);
    noteLocked(runs[1]!, runs);
    return runs;
  },

  async 'pooler-restart'(c) {
    const pooler = c.pooler!;
    const nth = 1 + c.r.int(2);
    const jitter = c.r.int(300);
    const down = 300 + c.r.int(700);
    const b = gated(c, 'B', `${c.name} (B, let go once the pooler is back)`, c.r.chance(0.3));
    let leases = 0;
    const attack = once(() =>
      pooler
        .restart(c.db.name, down)
        .then(() => void c.report.poolerRestarts++)
        .catch((e) => void c.report.findings.push(`${c.name}: the pooler restart failed: ${(e as Error).message}`))
        .finally(b.go),
    );
    const a = c.api.worker(c.round, `${c.name} (A; the pooler restarted at its lease ${nth}, down ${down} ms)`, {
      full: c.full,
      onLine: (line) => {
        if (line.startsWith('LEASE ') && ++leases === nth) setTimeout(attack.start, jitter);
      },
    });
    const first = await a.record;
    await attack.start();
    const runs = [first, await b.run.record];
    noteLocked(runs[1]!, runs);
    return runs;
  },
};

/**
 * Starts a process and SIGKILLs it `jitter` ms after it took its nth lease (while it holds it);
 * returns its record and the lease it held when killed, with that lease's expiry as the database
 * had it right after the kill.
 */
async function killAtLease(c: Ctx, nth: number, env: Record<string, string>) {
  let leases = 0;
  const remote = env.CHAOS_REMOTE_IDENTITY === '1';
  let expiresAt: number | null = null;
  let lease: string | null = null;
  const jitter = c.killJitterMaxMs > 0 ? c.r.int(c.killJitterMaxMs) : 0;
  const victim: SpawnedRun = c.api.worker(c.round, `${c.name} (SIGKILL ${jitter} ms after lease ${nth}${remote ? ', holder on "another machine"' : ''})`, {
    full: c.full,
    extraEnv: env,
    onLine: (line) => {
      const m = /^LEASE (\S+) (\d+)$/.exec(line);
      if (!m || ++leases !== nth) return;
      lease = m[1]!;
      setTimeout(() => victim.kill(), jitter);
    },
  });
  const record = await victim.record;
  const events: LogEvent[] = readRunLog(join(c.api.writeLogDir, `${victim.runId}.jsonl`));
  const killedAt = events.find((e) => e.ev === 'killed')?.at;
  let held: { lease: string; token: number } | null = null;
  for (const e of events) {
    if (e.ev === 'acquired') held = { lease: e.lease, token: e.token };
    if (e.ev === 'released' && held?.lease === e.lease) held = null;
  }
  if (!record.killed || killedAt === undefined || !held) {
    record.note = join2(record.note, lease ? 'released its lease before the kill landed' : 'finished before its lease to kill at');
    return { victim: record, held: null, expiresAt };
  }
  expiresAt = await leaseExpiry(c.db.directUrl, held.lease, held.token);
  record.note = join2(record.note, `killed holding ${held.lease}`);
  return { victim: record, held: { ...held, killedAt }, expiresAt };
}

function acquiredBy(c: Ctx, runId: string, lease: string): { at: number } | null {
  const e = readRunLog(join(c.api.writeLogDir, `${runId}.jsonl`)).find((x) => x.ev === 'acquired' && x.lease === lease);
  return e && e.ev === 'acquired' ? { at: e.at } : null;
}

/** The run reported a step of the lease's dataset as locked. */
function lockedOn(r: RunRecord, lease: string): boolean {
  const ds = lease.replace(/^dataset:/, '');
  return r.statuses.some(([d, s]) => s === 'locked' && (d === ds || d.startsWith(`${ds}_`)));
}

function noteLocked(target: RunRecord, runs: RunRecord[]): void {
  const locked = runs.flatMap((x) => x.statuses.filter(([, s]) => s === 'locked').map(([d]) => d));
  target.note = join2(target.note, `${locked.length} dataset step(s) found locked by the other instance${locked.length ? ` (${locked.join(', ')})` : ''}`);
}

/** `start()` runs fn the first time and returns its result every time. */
function once<T>(fn: () => T): { start: () => T } {
  let done: { value: T } | null = null;
  return {
    start: () => {
      done ??= { value: fn() };
      return done.value;
    },
  };
}

const join2 = (a: string | undefined, b: string) => [a, b].filter(Boolean).join('; ');
const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

// ---- the database side ----------------------------------------------------------------------------

async function withClient<T>(url: string, fn: (c: pg.Client) => Promise<T>): Promise<T> {
  // Its own application_name: never among the server processes the scenarios terminate.
  const c = new pg.Client({ connectionString: url, application_name: 'jarvis-chaos-oracle' });
  c.on('error', () => undefined);
  await c.connect();
  try {
    return await fn(c);
  } finally {
    await c.end().catch(() => undefined);
  }
}

/** Terminates every server process of `database` that serves jarvis-sync; returns how many. */
export async function terminateSyncBackends(directUrl: string, database: string): Promise<number> {
  return withClient(directUrl, async (c) => {
    const { rows } = await c.query<{ n: number }>(
      `SELECT count(*) FILTER (WHERE pg_terminate_backend(pid))::int AS n FROM pg_stat_activity
        WHERE datname = $1 AND application_name = 'jarvis-sync' AND pid <> pg_backend_pid()`,
      [database],
    );
    return rows[0]?.n ?? 0;
  });
}

async function leaseExpiry(directUrl: string, lease: string, token: number): Promise<number | null> {
  return withClient(directUrl, async (c) => {
    const { rows } = await c.query<{ expires_at: Date }>('SELECT expires_at FROM jarvis_sync.leases WHERE name = $1 AND token = $2 AND released_at IS NULL', [lease, token]);
    return rows[0] ? rows[0].expires_at.getTime() : null;
  });
}

export interface Leftovers {
  /** Unreleased, unexpired leases: "name held by owner until …". */
  leases: string[];
  /** Advisory locks in pg_locks on the database. */
  advisory: number;
}

/** What is locked on `database` now. */
export async function lockLeftovers(directUrl: string, database: string): Promise<Leftovers & { latestExpiry: number | null }> {
  return withClient(directUrl, async (c) => {
    const leases = await c.query<{ name: string; owner: string; expires_at: Date }>(
      'SELECT name, owner, expires_at FROM jarvis_sync.leases WHERE released_at IS NULL AND expires_at > now() ORDER BY name',
    ).catch((e: { code?: string }) => {
      if (e.code === '42P01') return { rows: [] }; // not migrated yet: no leases
      throw e;
    });
    const advisory = await c.query<{ n: number }>(`SELECT count(*)::int AS n FROM pg_locks l JOIN pg_database d ON d.oid = l.database WHERE l.locktype = 'advisory' AND d.datname = $1`, [database]);
    return {
      leases: leases.rows.map((l) => `${l.name} held by ${l.owner} until ${l.expires_at.toISOString()}`),
      advisory: advisory.rows[0]?.n ?? 0,
      latestExpiry: leases.rows.length ? Math.max(...leases.rows.map((l) => l.expires_at.getTime())) : null,
    };
  });
}

/**
 * Every process of the round has ended. Leases still held now are killed holders' (or a release
 * that could not reach the database): they must be gone once the ttl has passed — waited for here,
 * never longer than the ttl — and no advisory lock may be held at all.
 */
async function settle(directUrl: string, database: string, ttlMs: number, report: LockReport, when: string): Promise<void> {
  const ended = Date.now();
  let now = await lockLeftovers(directUrl, database);
  if (now.leases.length) {
    report.leftToExpire += now.leases.length;
    await sleep(Math.max(0, Math.min(now.latestExpiry ?? ended, ended + ttlMs) - Date.now()) + 250);
    now = await lockLeftovers(directUrl, database);
  }
  report.leftLocked += now.leases.length;
  report.advisoryLocks += now.advisory;
  for (const l of now.leases) report.findings.push(`after ${when}: ${l}, ${ttlMs / 1000} s after every process had ended`);
  if (now.advisory) report.findings.push(`after ${when}: ${now.advisory} advisory lock(s) held on the database`);
}

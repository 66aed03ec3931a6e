/**
 * The campaign with real processes: the emulators live here (behind fault proxies) and outlive
 * every sync; each faulty sync is a child process (chaos/worker.ts) that may be SIGKILLed at a
 * create step or after a random delay and is then restarted; converging runs are the real CLI
 * (`bin/jarvis-sync sync all --full --json`). The database is file-backed PGlite in a temporary
 * folder (a killed process's lock is taken over by the next) or a fresh database on a real
 * Postgres server, where two instances also run at once and the server is restarted mid-run.
 */
import { execFile, spawn } from 'node:child_process';
import { appendFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import pg from 'pg';
import { openStore } from '../src/store/index.ts';
import type { Store } from '../src/store/types.ts';
import type { Harness, RunRecord } from './campaign.ts';
import type { CompiledEntries } from './compile.ts';
import type { DatasetName } from './fields.ts';
import { valveNote } from './inProcess.ts';
import { startProxy, type FaultProxy } from './proxy.ts';
import { createRng, type Rng } from './rng.ts';
import { CHAOS_CONFIG, createWorld, CREATE_FAILPOINTS, faultMix, type CampaignWorld } from './world.ts';
import { now, type LogEvent } from './writeLog.ts';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const run = promisify(execFile);
/** tsx's loader, by path: the children run in a temporary folder where `--import tsx` would not resolve. */
const TSX = import.meta.resolve('tsx');
/** Client timeout of the workers; the proxies hold a response 400 ms past it. */
const TIMEOUT_MS = 800;
/** A run that takes longer than this is killed and reported as hung. */
const HUNG_MS = 180_000;

export type Backend = 'pglite' | 'postgres';
export type Scenario = 'faults' | 'failpoint-kill' | 'random-kill' | 'empty-source' | 'two-instances' | 'postgres-restart';

export interface ProcessHarnessOptions {
  seed: number;
  google: boolean;
  backend: Backend;
  /** Postgres: a server URL; the campaign creates (and drops) its own database there. */
  serverUrl?: string;
  /** `pg_ctlcluster` version/cluster to restart mid-run (Postgres backend, local server only); null: skip. */
  restartCluster?: { version: string; cluster: string } | null;
  /** Offset into the create failpoints, so consecutive campaigns crash at different steps. */
  failpointOffset?: number;
  log?: (line: string) => void;
  /** The URL the sync processes connect with, from the campaign database's direct URL (e.g. through a pooler); default: that URL. */
  connectUrl?: (directUrl: string) => string;
  /** More environment for every sync process. */
  env?: Record<string, string>;
  /** Compiled worker and CLI (chaos/compile.ts) instead of the TypeScript through tsx. */
  compiled?: CompiledEntries;
  /** The faulty rounds' scenarios, instead of the built-in rotation (the lock campaigns: chaos/locks.ts). */
  rounds?: RoundPlan;
}

export interface ProcessHarness extends Harness {
  readonly dir: string;
  readonly skipped: string[];
  /** Each sync process's lease and write log (chaos/writeLog.ts), `<run id>.jsonl`. */
  readonly writeLogDir: string;
  /** The campaign database: its name and direct URL (null on PGlite). */
  readonly database: { name: string; directUrl: string } | null;
  keepLogs(): void;
}

export interface SpawnOptions {
  full: boolean;
  extraEnv?: Record<string, string>;
  killAfterReadyMs?: number;
  onReady?: () => void;
  /** Each line the process prints (READY, LEASE <name> <token>, …). */
  onLine?: (line: string) => void;
}

export interface SpawnedRun {
  readonly runId: string;
  readonly record: Promise<RunRecord>;
  /** SIGKILL now (logged as the kill in the run's write log). */
  kill(): void;
}

/** What a round plan can do: start faulty sync processes of the campaign. */
export interface RoundApi {
  worker(round: number, scenario: string, o: SpawnOptions): SpawnedRun;
  /** How long a sync process has been taking from READY to its result (a moving average). */
  readonly runEstimateMs: number;
  readonly dir: string;
  readonly writeLogDir: string;
  /** The campaign database (null on PGlite). */
  readonly database: ProcessHarness['database'];
  log(line: string): void;
}

export type RoundPlan = (api: RoundApi, round: number, r: Rng, o: { full: boolean; label: string }) => Promise<RunRecord[]>;

export async function createProcessHarness(opts: ProcessHarnessOptions): Promise<ProcessHarness> {
  const rng = createRng(opts.seed).fork('harness');
  const world: CampaignWorld = createWorld({ rng, google: opts.google });
  const notionProxy = await startProxy(world.notion.handle, rng.fork('notion-proxy').next);
  const googleProxy: FaultProxy | null = world.google ? await startProxy(world.google.handle, rng.fork('google-proxy').next) : null;
  const dir = mkdtempSync(join(tmpdir(), 'jarvis-chaos-'));
  const logFile = join(dir, 'sync.log');
  const writeLogDir = join(dir, 'writes');
  mkdirSync(writeLogDir);
  const configFile = join(dir, 'chaos.config.json');
  writeFileSync(configFile, JSON.stringify(CHAOS_CONFIG, null, 2));
  let databaseUrl: string | null = null;
  let database: ProcessHarness['database'] = null;
  let dropDatabase: (() => Promise<void>) | null = null;
  if (opts.backend === 'postgres') {
    if (!opts.serverUrl) throw new Error('the postgres backend needs a server URL');
    const name = `jarvis_chaos_${Date.now().toString(36)}_${opts.seed}`;
    await admin(opts.serverUrl, `CREATE DATABASE ${name}`);
    const u = new URL(opts.serverUrl);
    u.pathname = `/${name}`;
    databaseUrl = u.toString();
    database = { name, directUrl: databaseUrl };
    dropDatabase = () => admin(opts.serverUrl!, `DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
  }
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    HOME: process.env.HOME ?? dir,
    ...world.env({ notion: notionProxy.url, google: googleProxy?.url }),
    JARVIS_CONFIG: configFile,
    JARVIS_DATA_DIR: dir,
    JARVIS_ENV_FILE: '', // never a developer's .env
    DATABASE_URL: databaseUrl ? (opts.connectUrl?.(databaseUrl) ?? databaseUrl) : '',
    LOG_LEVEL: 'warn',
    CHAOS_TIMEOUT_MS: String(TIMEOUT_MS),
    ...opts.env,
  };
  const skipped: string[] = [];
  if (opts.rounds) {
    // a round plan of its own: the built-in rotation's skips do not apply
  } else if (opts.backend !== 'postgres') skipped.push('two-instances', 'postgres-restart');
  else if (!opts.restartCluster) skipped.push('postgres-restart');
  let keep = false;
  let failpoints = opts.failpointOffset ?? 0;
  let runEstimateMs = 3_000;
  let spawned = 0;

  /** One child: the chaos worker (faulty runs) or the CLI (clean runs). */
  function spawnRun(kind: 'worker' | 'cli', round: number, phase: RunRecord['phase'], scenario: string, o: SpawnOptions): SpawnedRun {
    const cliArgs = ['sync', 'all', '--json', ...(o.full ? ['--full'] : [])];
    const args = opts.compiled
      ? kind === 'worker'
        ? [opts.compiled.worker]
        : [opts.compiled.cli, ...cliArgs]
      : kind === 'worker'
        ? ['--import', TSX, join(ROOT, 'chaos', 'worker.ts')]
        : [join(ROOT, 'bin', 'jarvis-sync'), ...cliArgs];
    const runId = `r${String(round).padStart(2, '0')}-${String(++spawned).padStart(3, '0')}-${kind}`;
    const runLogFile = join(writeLogDir, `${runId}.jsonl`);
    const logEvent = (e: LogEvent) => appendFileSync(runLogFile, JSON.stringify(e) + '\n');
    const childEnv = { ...env, ...(kind === 'worker' ? { CHAOS_WRITE_LOG: runLogFile, ...(o.full ? { CHAOS_FULL: '1' } : {}) } : {}), ...o.extraEnv };
    const started = Date.now();
    const child = spawn(process.execPath, args, { cwd: dir, env: childEnv, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let readyAt = 0;
    let killedAtStep = false;
    let hung = false;
    let exited = false;
    const timers: NodeJS.Timeout[] = [];
    const kill = () => {
      if (exited) return;
      logEvent({ ev: 'killed', at: now() });
      child.kill('SIGKILL');
    };
    let pending = '';
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (chunk: string) => {
      stdout += chunk;
      pending += chunk;
      const lines = pending.split('\n');
      pending = lines.pop()!;
      for (const line of lines) o.onLine?.(line);
      if (!readyAt && stdout.includes('READY\n')) {
        readyAt = Date.now();
        o.onReady?.();
        if (o.killAfterReadyMs !== undefined) timers.push(setTimeout(kill, o.killAfterReadyMs));
      }
      if (stdout.includes('KILLED at ')) killedAtStep = true;
    });
    let stderrTail = '';
    // A process that could not start (e.g. its folder is gone): 'close' follows, the run died.
    child.on('error', (e) => {
      stderrTail += `\nerror: could not start the sync process: ${e.message}`;
    });
    child.stderr.on('data', (chunk: Buffer) => {
      appendFileSync(logFile, chunk);
      stderrTail = (stderrTail + chunk.toString('utf8')).slice(-2000);
    });
    timers.push(
      setTimeout(() => {
        hung = true;
        kill();
      }, HUNG_MS),
    );
    appendFileSync(logFile, `\n==== round ${round} ${phase} ${scenario} (${kind}${o.full ? ', full' : ''}) ${JSON.stringify(o.extraEnv ?? {})}\n`);
    const record = new Promise<RunRecord>((resolveRecord) => {
      child.on('close', (code, signal) => {
        exited = true;
        for (const t of timers) clearTimeout(t);
        if (kind === 'worker') logEvent({ ev: 'exit', at: now() });
        const json = parseSummary(stdout);
        const statuses: Array<[string, string]> = json ? json.datasets.map((d) => [d.dataset, d.status]) : [];
        const writes = json ? json.datasets.reduce((n, d) => n + d.created + d.updated + d.deleted + d.restored, 0) : 0;
        const killed = signal === 'SIGKILL' && !hung;
        if (readyAt && !killed && json) runEstimateMs = Math.round(0.7 * runEstimateMs + 0.3 * (Date.now() - readyAt));
        const note = hung
          ? `HUNG: killed after ${HUNG_MS / 1000} s`
          : killed
            ? killedAtStep
              ? `SIGKILL at ${stdout.match(/KILLED at (\S+)/)?.[1]}`
              : `SIGKILL after ${readyAt ? Date.now() - readyAt : 0} ms`
            : !json
              ? `exit ${code}: ${lastLine(stderrTail)}`
              : undefined;
        appendFileSync(logFile, `==== exit ${code} ${signal ?? ''} ${note ?? ''}\n`);
        const failures = json ? json.datasets.filter((d) => d.status !== 'success' && d.status !== 'skipped').map((d) => `${d.dataset} ${d.status}: ${(d.message ?? '').slice(0, 300)}`) : [];
        resolveRecord({ round, phase, scenario, full: o.full, statuses, writes, killed, died: !json, note, durationMs: Date.now() - started, runId: kind === 'worker' ? runId : undefined, ...(failures.length ? { failures } : {}) });
      });
    });
    return { runId, record, kill };
  }

  const worker = (round: number, scenario: string, o: SpawnOptions) => spawnRun('worker', round, 'chaos', scenario, o).record;
  const api: RoundApi = {
    worker: (round, scenario, o) => spawnRun('worker', round, 'chaos', scenario, o),
    get runEstimateMs() {
      return runEstimateMs;
    },
    dir,
    writeLogDir,
    database,
    log: (line) => opts.log?.(line),
  };

  return {
    world,
    dir,
    skipped,
    writeLogDir,
    database,
    keepLogs: () => {
      keep = true;
    },
    async withSql(fn) {
      const store: Store = databaseUrl ? await openStore({ databaseUrl, maxConnections: 2 }) : await openStore({ dataDir: join(dir, 'pgdata') });
      try {
        return await fn(store);
      } finally {
        await store.close();
      }
    },
    // Real time goes on; a short pause lets Notion's minute-truncated edit times move along a little.
    betweenRounds: () => new Promise((r) => setTimeout(r, 200)),
    async chaosRound(round: number, r: Rng, level: number) {
      const scenario = opts.rounds ? null : planScenario(round, r, opts.backend, skipped);
      const mix = faultMix(r, level);
      world.notion.setFaults(mix.notion);
      world.google?.setFaults(mix.google);
      // A tenth of the faults are timeouts: the response (of a request already applied) comes too late.
      notionProxy.setTimeouts(level / 10, TIMEOUT_MS + 400);
      googleProxy?.setTimeouts(level / 10, TIMEOUT_MS + 400);
      const label = `${scenario ?? ''}${mix.commitThenFail ? ' +commit-then-fail' : ''}`;
      const runs: RunRecord[] = [];
      const full = r.chance(0.3);
      try {
        if (opts.rounds) runs.push(...(await opts.rounds(api, round, r, { full, label: mix.commitThenFail ? '+commit-then-fail' : '' })));
        else {
          switch (scenario) {
            case 'faults':
              runs.push(await worker(round, label, { full }));
              break;
            case 'failpoint-kill': {
              const point = CREATE_FAILPOINTS[failpoints++ % CREATE_FAILPOINTS.length]!;
              runs.push(await worker(round, `${label} @${point}`, { full, extraEnv: { CHAOS_FAILPOINT: point } }));
              runs.push(await worker(round, 'restart', { full: r.chance(0.3) }));
              break;
            }
            case 'random-kill':
              runs.push(await worker(round, label, { full, killAfterReadyMs: Math.round(r.next() * runEstimateMs) }));
              runs.push(await worker(round, 'restart', { full: r.chance(0.3) }));
              break;
            case 'empty-source': {
              const ds = r.pick<DatasetName>(['contacts', 'meetings', 'journals']);
              const mode = r.chance(0.5) ? ('empty' as const) : { truncateTo: 2 };
              world.notion.setQueryOverride(world.dataSources[ds], mode);
              const first = await worker(round, `${scenario}: ${ds} ${mode === 'empty' ? 'empty' : 'truncated'} (full)`, { full: true, extraEnv: { CHAOS_VALVE_MINIMUM: '0' } });
              world.notion.setQueryOverride(world.dataSources[ds], null);
              first.note = [first.note, valveNote(first, ds)].filter(Boolean).join('; ');
              runs.push(first, await worker(round, 'after', { full: false }));
              break;
            }
            case 'two-instances': {
              const [a, b] = await Promise.all([worker(round, `${label} (instance A)`, { full }), worker(round, `${label} (instance B)`, { full })]);
              const locked = [...a!.statuses, ...b!.statuses].filter(([, s]) => s === 'locked').length;
              b!.note = [b!.note, `${locked} dataset step(s) found locked by the other instance`].filter(Boolean).join('; ');
              runs.push(a!, b!);
              break;
            }
            case 'postgres-restart': {
              const c = opts.restartCluster!;
              let restart: Promise<unknown> = Promise.resolve();
              const first = await worker(round, `${label}, server restarted mid-run`, {
                full,
                onReady: () => {
                  restart = new Promise((res) => setTimeout(res, 150 + r.int(600))).then(() =>
                    run('pg_ctlcluster', ['--skip-systemctl-redirect', c.version, c.cluster, 'restart'], { timeout: 60_000 }).catch((e) => opts.log?.(`    pg_ctlcluster restart failed: ${(e as Error).message}`)),
                  );
                },
              });
              await restart;
              await waitForServer(opts.serverUrl!);
              runs.push(first, await worker(round, 'after restart', { full: false }));
              break;
            }
          }
        }
      } finally {
        world.notion.setFaults(null);
        world.google?.setFaults(null);
        notionProxy.setTimeouts(0, 0);
        googleProxy?.setTimeouts(0, 0);
      }
      return runs;
    },
    cleanRun: (round, phase, full) => spawnRun('cli', round, phase, phase, { full }).record,
    faultsInjected: () => world.notion.faultsInjected + (world.google?.faultsInjected ?? 0) + notionProxy.timeoutsInjected + (googleProxy?.timeoutsInjected ?? 0),
    async close() {
      await notionProxy.close();
      await googleProxy?.close();
      if (dropDatabase) await dropDatabase().catch(() => undefined);
      if (!keep) rmSync(dir, { recursive: true, force: true });
    },
  };
}

/**
 * The scenario of each round: SIGKILL at a create step, SIGKILL at a random moment, an empty or
 * truncated data source on a full run, two instances at once, a database restart (Postgres only),
 * plain faults — in that rotation.
 */
function planScenario(round: number, r: Rng, backend: Backend, skipped: string[]): Scenario {
  const rotation: Scenario[] = ['failpoint-kill', 'random-kill', 'empty-source', backend === 'postgres' ? 'two-instances' : 'failpoint-kill', 'postgres-restart', 'random-kill', 'faults'];
  let s = round <= rotation.length ? rotation[round - 1]! : r.pick(rotation);
  if (skipped.includes(s)) s = 'random-kill';
  return s;
}

interface Summary {
  datasets: Array<{ dataset: string; status: string; created: number; updated: number; deleted: number; restored: number; message?: string }>;
}

function parseSummary(stdout: string): Summary | null {
  const start = stdout.indexOf('{');
  if (start < 0) return null;
  try {
    return JSON.parse(stdout.slice(start)) as Summary;
  } catch {
    return null;
  }
}

/** Why a process ended without a result: a crash's error line, else the last line it logged (a pino line: msg and err). */
function lastLine(text: string): string {
  const crash = /^(?:\w*Error|error)(?:\s\[\w+\])?: .*$/m.exec(text)?.[0];
  if (crash) return `${/Unhandled 'error' event/.test(text) ? "crashed (unhandled 'error' event): " : 'crashed: '}${crash.slice(0, 200)}`;
  const line = text.trim().split('\n').at(-1) ?? '';
  try {
    const j = JSON.parse(line) as { msg?: string; err?: string | { message?: string } };
    return [j.msg, typeof j.err === 'string' ? j.err : j.err?.message].filter(Boolean).join(': ').slice(0, 200);
  } catch {
    return line.slice(0, 200);
  }
}

async function admin(url: string, statement: string): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query(statement);
  } finally {
    await client.end();
  }
}

async function waitForServer(url: string): Promise<void> {
  for (let i = 0; i < 60; i++) {
    try {
      await admin(url, 'SELECT 1');
      return;
    } catch {
      await new Promise((r) => setTimeout(r, 500));
    }
  }
  throw new Error('the Postgres server did not come back within 30 s');
}

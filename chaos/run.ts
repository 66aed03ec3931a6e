/**
 * `npm run chaos`: the fault campaign. For each fault level (and database backend), a seeded
 * campaign of two-way (meetings with attendees, journals) and three-way (contacts with Google)
 * syncs while users edit every side, the APIs fail, the sync process is SIGKILLed and restarted,
 * the Notion data source comes back empty or truncated, two instances run at once and the
 * Postgres server restarts (real server only). Then faults stop, syncs run until a full run has
 * nothing to do, and the oracle compares Notion, Google and Postgres with the expected state.
 *
 * Then the lock campaigns (chaos/locks.ts), on the real server directly and through PgBouncer in
 * session and transaction mode: two instances at once, kill -9 of the lease holder (on this
 * machine, and as if on another), its server processes terminated, the pooler restarted mid-run;
 * the oracle adds 0 overlapping runs (chaos/writeLog.ts) and nothing left locked.
 *
 * Options: --seed N (1), --runs N (faulty rounds per campaign, 5), --records N (records per
 * dataset in the seed, 10), --levels 0.05,0.2,0.5, --backend pglite|postgres|both (default: both
 * when CHAOS_DATABASE_URL or TEST_DATABASE_URL names a server, else pglite), --no-google,
 * --no-restart (never restart the Postgres server), --keep (keep the temporary folders and logs);
 * --locks / --no-locks (default: on when a server and a pooler URL are set: CHAOS_PGBOUNCER_SESSION_URL
 * or TEST_PGBOUNCER_SESSION_URL, CHAOS_PGBOUNCER_TRANSACTION_URL or TEST_PGBOUNCER_TRANSACTION_URL),
 * --locks-only (no fault campaigns), --lock-via direct,session,transaction (default: direct and
 * each pooler with a URL), --lock-rounds N (per lock campaign; default each scenario twice),
 * --lock-level L (their fault level, 0.05).
 *
 * Prints one table; writes chaos/results/latest.json (--locks-only: replaces its lock campaigns,
 * keeps the fault campaigns of the last full run); exits 1 when any campaign lost, duplicated
 * or wrongly deleted a record, did not converge, had two runs of a dataset writing at once, or
 * left something locked.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { runCampaign, type CampaignResult } from './campaign.ts';
import { compileEntries, type CompiledEntries } from './compile.ts';
import { connectionLabel, createLockHarness, LOCK_SCENARIOS, lockFailed, lockLeftovers, type LockConnection, type LockReport } from './locks.ts';
import { historyOf } from './model.ts';
import { createProcessHarness, type Backend, type ProcessHarness } from './processHarness.ts';
import { analyzeWriteLogs, describeOverlap } from './writeLog.ts';

const HERE = dirname(fileURLToPath(import.meta.url));
const { values } = parseArgs({
  options: {
    seed: { type: 'string', default: '1' },
    runs: { type: 'string', default: '5' },
    records: { type: 'string', default: '10' },
    levels: { type: 'string', default: '0.05,0.2,0.5' },
    backend: { type: 'string' },
    'no-google': { type: 'boolean', default: false },
    'no-restart': { type: 'boolean', default: false },
    keep: { type: 'boolean', default: false },
    locks: { type: 'boolean' },
    'no-locks': { type: 'boolean', default: false },
    'locks-only': { type: 'boolean', default: false },
    'lock-rounds': { type: 'string' },
    'lock-level': { type: 'string', default: '0.05' },
    'lock-via': { type: 'string' },
  },
});
const seed = Number(values.seed);
const rounds = Number(values.runs);
const records = Number(values.records);
const levels = values.levels!.split(',').map(Number);
const serverUrl = process.env.CHAOS_DATABASE_URL || process.env.TEST_DATABASE_URL || undefined;
const backendArg = values.backend ?? (serverUrl ? 'both' : 'pglite');
const poolerUrls: Partial<Record<'session' | 'transaction', string>> = {
  session: process.env.CHAOS_PGBOUNCER_SESSION_URL || process.env.TEST_PGBOUNCER_SESSION_URL || undefined,
  transaction: process.env.CHAOS_PGBOUNCER_TRANSACTION_URL || process.env.TEST_PGBOUNCER_TRANSACTION_URL || undefined,
};
const locksOnly = values['locks-only'];
const locks = !values['no-locks'] && (values.locks || locksOnly || Boolean(serverUrl && (poolerUrls.session || poolerUrls.transaction)));
const lockLevel = Number(values['lock-level']);
const lockRounds = values['lock-rounds'] === undefined ? null : Number(values['lock-rounds']);
if (
  !Number.isInteger(seed) ||
  !(Number.isInteger(rounds) && rounds >= 1) ||
  !(Number.isInteger(records) && records >= 4) ||
  !levels.every((l) => l > 0 && l < 1) ||
  !['pglite', 'postgres', 'both'].includes(backendArg) ||
  !(lockLevel >= 0 && lockLevel < 1) ||
  !(lockRounds === null || (Number.isInteger(lockRounds) && lockRounds >= 1))
) {
  console.error(
    'usage: npm run chaos -- [--seed N] [--runs N (≥ 1)] [--records N (≥ 4)] [--levels 0.05,0.2,0.5] [--backend pglite|postgres|both] [--no-google] [--no-restart] [--keep] [--locks | --no-locks | --locks-only] [--lock-via direct,session,transaction] [--lock-rounds N] [--lock-level 0.05]',
  );
  process.exit(2);
}
if (locks && !serverUrl) {
  console.error('chaos: the lock campaigns need a PostgreSQL server: set CHAOS_DATABASE_URL (or TEST_DATABASE_URL), and a pooler URL to run them through PgBouncer too (CHAOS_PGBOUNCER_TRANSACTION_URL / TEST_PGBOUNCER_TRANSACTION_URL; .ci/pgbouncer starts one)');
  process.exit(2);
}
if (backendArg !== 'pglite' && !serverUrl) {
  console.error('chaos: --backend postgres needs CHAOS_DATABASE_URL (or TEST_DATABASE_URL), e.g. postgres://postgres@127.0.0.1:5432/postgres');
  process.exit(2);
}
const backends: Backend[] = locksOnly ? [] : backendArg === 'both' ? ['pglite', 'postgres'] : [backendArg as Backend];
const google = !values['no-google'];
const restartCluster = backends.includes('postgres') && !values['no-restart'] ? findCluster(serverUrl!) : null;
const lockConnections: LockConnection[] = !locks ? [] : values['lock-via'] ? (values['lock-via'].split(',') as LockConnection[]) : ['direct', ...(['session', 'transaction'] as const).filter((m) => poolerUrls[m])];
for (const c of lockConnections) {
  if (!['direct', 'session', 'transaction'].includes(c) || (c !== 'direct' && !poolerUrls[c])) {
    console.error(`chaos: --lock-via ${c}: say direct, session or transaction, and set the pooler's URL (CHAOS_PGBOUNCER_${c.toUpperCase()}_URL or TEST_PGBOUNCER_${c.toUpperCase()}_URL)`);
    process.exit(2);
  }
}

type Result = CampaignResult & {
  kind: 'faults' | 'locks';
  backend: Backend;
  /** How the sync processes reached the database. */
  database: string;
  skipped: string[];
  logs?: string;
  durationMs: number;
  /** Pairs of runs of one dataset that wrote at the same time (chaos/writeLog.ts). */
  overlaps: number;
  overlapDetails: string[];
  /** Leases or advisory locks held at the end, with every process gone. */
  leftLocked: number;
  lock?: LockReport;
};

const started = Date.now();
if (backends.length) {
  console.log(`jarvis-sync fault campaign — seed ${seed}, ${rounds} faulty rounds, ${records} records per dataset, levels ${levels.join(', ')}, ${backends.join(' and ')}${google ? ', contacts three-way with Google' : ''}`);
  if (backends.includes('postgres')) console.log(restartCluster ? `Postgres restarts mid-run: pg_ctlcluster ${restartCluster.version} ${restartCluster.cluster} restart` : 'Postgres restarts: skipped (not a local cluster pg_ctlcluster can restart, or --no-restart)');
}
const results: Result[] = [];
let index = 0;
for (const backend of backends) {
  for (const level of levels) {
    const campaignSeed = seed * 1000 + index;
    console.log(`\n▶ level ${pct(level)} on ${backend} (campaign seed ${campaignSeed})`);
    const t0 = Date.now();
    const h = await createProcessHarness({ seed: campaignSeed, google, backend, serverUrl, restartCluster, failpointOffset: index, log: (l) => console.log(l) });
    try {
      const r = await runCampaign(h, { seed: campaignSeed, level, rounds, records, google, log: (l) => console.log(l) });
      const writes = analyzeWriteLogs(h.writeLogDir);
      const left = await leftLockedAtEnd(h);
      const result: Result = { ...r, kind: 'faults', backend, database: backend, skipped: h.skipped, durationMs: Date.now() - t0, overlaps: writes.overlaps.length, overlapDetails: writes.overlaps.slice(0, 20).map(describeOverlap), leftLocked: left.length };
      const failed = failedCampaign(result);
      if (failed || values.keep) h.keepLogs();
      results.push({ ...result, logs: failed || values.keep ? h.dir : undefined });
      if (failed) for (const line of [...describeFindings(r).slice(0, 20), ...result.overlapDetails, ...left]) console.log(`  ✗ ${line}`);
    } finally {
      await h.close();
    }
    index++;
  }
}

if (lockConnections.length) {
  const perCampaign = lockRounds ?? 2 * LOCK_SCENARIOS.length;
  console.log(`\njarvis-sync lock campaigns — seed ${seed}, ${perCampaign} rounds each (${LOCK_SCENARIOS.join(', ')}; no pooler restart on a direct connection), ${records} records per dataset, faults ${pct(lockLevel)}; ${lockConnections.map(connectionLabel).join(', ')}`);
  let compiled: CompiledEntries | null = null;
  try {
    compiled = await compileEntries();
    for (const connection of lockConnections) {
      const campaignSeed = seed * 1000 + 500 + index;
      console.log(`\n▶ locks, ${connectionLabel(connection)} (campaign seed ${campaignSeed})`);
      const t0 = Date.now();
      const h = await createLockHarness({ seed: campaignSeed, google, connection, serverUrl: serverUrl!, poolerUrl: connection === 'direct' ? undefined : poolerUrls[connection], compiled, failpointOffset: index, log: (l) => console.log(l) });
      try {
        if (h.poolerRestart) console.log(`  pooler restart: ${h.poolerRestart}`);
        const r = await runCampaign(h, { seed: campaignSeed, level: lockLevel, rounds: perCampaign, records, google, log: (l) => console.log(l) });
        const lock = await h.lockReport();
        const result: Result = { ...r, level: lockLevel, kind: 'locks', backend: 'postgres', database: connectionLabel(connection), skipped: h.skipped, durationMs: Date.now() - t0, overlaps: lock.overlaps, overlapDetails: lock.overlapDetails, leftLocked: lock.leftLocked + lock.advisoryLocks, lock };
        const failed = failedCampaign(result);
        if (failed || values.keep) h.keepLogs();
        results.push({ ...result, logs: failed || values.keep ? h.dir : undefined });
        console.log(`  locks: ${describeLock(lock)}`);
        if (failed) for (const line of [...describeFindings(r).slice(0, 20), ...lock.overlapDetails, ...lock.findings]) console.log(`  ✗ ${line}`);
      } finally {
        await h.close();
      }
      index++;
    }
  } finally {
    compiled?.remove();
  }
}

const header = ['campaign', 'level', 'backend', 'faults injected', 'runs', 'kills', 'records', 'lost', 'duplicated', 'wrongly deleted', 'overlapping runs', 'left locked', 'runs to converge'];
const rows = results.map((r) => [
  r.kind,
  pct(r.level),
  r.database,
  String(r.faultsInjected),
  String(r.runs),
  String(r.kills),
  String(r.records),
  String(r.lost + r.baseline.lost),
  String(r.duplicated + r.baseline.duplicated),
  String(r.wronglyDeleted + r.baseline.wronglyDeleted),
  String(r.overlaps),
  String(r.leftLocked),
  r.runsToConverge === null ? 'not converged' : String(r.runsToConverge),
]);
console.log(`\n${table(header, rows, 3)}`);
const scenarioTotals: Record<string, number> = {};
for (const r of results.filter((x) => x.kind === 'faults')) for (const [k, v] of Object.entries(r.scenarios)) scenarioTotals[k.split(/[ :,]/)[0]!] = (scenarioTotals[k.split(/[ :,]/)[0]!] ?? 0) + v;
if (Object.keys(scenarioTotals).length) console.log(`faulty runs by scenario: ${Object.entries(scenarioTotals).map(([k, v]) => `${k} ${v}`).join(', ')}`);
const lockResults = results.filter((r) => r.lock);
if (lockResults.length) {
  const lockHeader = ['backend', 'rounds', 'runs', 'kills', 'steps found locked', 'taken at once', 'waited for ttl', 'taken after ttl', 'backends terminated', 'pooler restarts', 'overlapping runs', 'stale writes', 'leases left', 'advisory locks'];
  const lockRows = lockResults.map((r) => {
    const l = r.lock!;
    return [r.database, String(Object.values(l.scenarios).reduce((a, b) => a + (b ?? 0), 0)), String(r.runs), String(r.kills), String(l.lockedSteps), String(l.takeovers.immediate), String(l.takeovers.waited), String(l.takeovers.afterExpiry), String(l.backendsTerminated), String(l.poolerRestarts), String(l.overlaps), String(l.staleWrites), String(l.leftLocked), String(l.advisoryLocks)];
  });
  console.log(`\nlock scenarios:\n${table(lockHeader, lockRows, 1)}`);
}
const echo = results.filter((r) => r.echoWrites > 0);
if (echo.length) console.log(`echo writes after convergence: ${echo.map((r) => `${pct(r.level)}/${r.backend}: ${r.echoWrites}`).join(', ')}`);
const hung = results.flatMap((r) => r.history.filter((x) => x.note?.startsWith('HUNG')).map((x) => `${pct(r.level)}/${r.backend} round ${x.round} ${x.scenario}`));
if (hung.length) console.log(`runs that hung (killed after ${180} s): ${hung.join(', ')}`);
const restarts = results.flatMap((r) => r.history.filter((x) => x.scenario.startsWith('postgres-restart')).map((x) => `${pct(r.level)}: ${x.died ? (x.note ?? 'died') : `finished, ${x.statuses.filter(([, s]) => s !== 'success' && s !== 'skipped').map(([d, s]) => `${d} ${s}`).join(', ') || 'all steps succeeded'}`}`));
if (restarts.length) console.log(`runs during a Postgres restart: ${restarts.join('; ')}`);
for (const backend of backends) {
  const skipped = [...new Set(results.filter((r) => r.backend === backend).flatMap((r) => r.skipped))];
  if (skipped.length) console.log(`skipped on ${backend}: ${skipped.join(', ')} (${backend === 'pglite' ? 'PGlite admits one process and has no server to restart; set CHAOS_DATABASE_URL for a Postgres server' : 'the server is not a local cluster pg_ctlcluster can restart, or --no-restart'})`);
}
console.log(`total ${((Date.now() - started) / 1000).toFixed(0)} s`);

const out = join(HERE, 'results', 'latest.json');
mkdirSync(dirname(out), { recursive: true });
const machine = `${cpus().length} × ${cpus()[0]?.model.trim()}, ${Math.round(totalmem() / 2 ** 30)} GiB, Node ${process.version}`;
const campaignsJson = results.map((r) => ({
  kind: r.kind,
  level: r.level,
  backend: r.backend,
  database: r.database,
  seed: r.seed,
  faultsInjected: r.faultsInjected,
  runs: r.runs,
  kills: r.kills,
  records: r.records,
  edits: r.edits,
  lost: r.lost,
  duplicated: r.duplicated,
  wronglyDeleted: r.wronglyDeleted,
  runsToConverge: r.runsToConverge,
  echoWrites: r.echoWrites,
  overlaps: r.overlaps,
  leftLocked: r.leftLocked,
  baseline: r.baseline,
  scenarios: r.scenarios,
  skipped: r.skipped,
  durationMs: r.durationMs,
  logs: r.logs,
  findings: [...describeFindings(r), ...r.overlapDetails, ...(r.lock?.findings ?? [])],
  lock: r.lock,
  history: r.history.map((h) => ({ round: h.round, phase: h.phase, scenario: h.scenario, run: h.runId, full: h.full, killed: h.killed, died: h.died, writes: h.writes, durationMs: h.durationMs, note: h.note, notOk: h.statuses.filter(([, s]) => s !== 'success' && s !== 'skipped'), failures: h.failures })),
}));
const lockRun = lockConnections.length ? { generatedAt: new Date().toISOString(), machine, options: { seed, records, google, via: lockConnections, rounds: lockRounds ?? 2 * LOCK_SCENARIOS.length, level: lockLevel }, durationMs: Date.now() - started } : null;
let json: Record<string, unknown>;
if (locksOnly && existsSync(out)) {
  // Only the lock campaigns ran: the fault campaigns of the last full run stay as they were.
  const previous = JSON.parse(readFileSync(out, 'utf8')) as Record<string, unknown> & { campaigns?: Array<{ kind?: string }> };
  json = { ...previous, lockRun, campaigns: [...(previous.campaigns ?? []).filter((c) => c.kind !== 'locks'), ...campaignsJson] };
} else {
  json = { generatedAt: new Date().toISOString(), machine, options: { seed, rounds, records, levels, backends, google, restart: Boolean(restartCluster) }, durationMs: Date.now() - started, lockRun, campaigns: campaignsJson };
}
writeFileSync(out, JSON.stringify(json, null, 2) + '\n');
console.log(`results: ${out}`);
process.exit(results.some(failedCampaign) ? 1 : 0);

function failedCampaign(r: Result): boolean {
  const sum = r.lost + r.duplicated + r.wronglyDeleted + r.baseline.lost + r.baseline.duplicated + r.baseline.wronglyDeleted;
  return sum > 0 || r.runsToConverge === null || r.echoWrites > 0 || r.history.some((x) => x.note?.startsWith('HUNG')) || r.overlaps > 0 || r.leftLocked > 0 || (r.lock !== undefined && lockFailed(r.lock));
}

/** Leases (and on a server, advisory locks) still held after the campaign's last run. */
async function leftLockedAtEnd(h: ProcessHarness): Promise<string[]> {
  if (h.database) {
    const l = await lockLeftovers(h.database.directUrl, h.database.name);
    return [...l.leases, ...(l.advisory ? [`${l.advisory} advisory lock(s)`] : [])];
  }
  return h.withSql(async (sql) => (await sql.query<{ name: string; owner: string }>('SELECT name, owner FROM jarvis_sync.leases WHERE released_at IS NULL AND expires_at > now()')).rows.map((l) => `${l.name} held by ${l.owner}`));
}

function describeLock(l: LockReport): string {
  const t = l.takeovers;
  return [
    `${l.loggedRuns} logged runs, ${l.phases} write phases, ${l.overlaps} overlapping, ${l.staleWrites} stale, ${l.unattributed} writes without a lease`,
    `${l.lockedSteps} steps found locked`,
    `dead holder's lease taken at once ${t.immediate}×, remote holder's waited for ${t.waited}× and taken after the ttl ${t.afterExpiry}×`,
    `${l.backendsTerminated} server processes terminated, ${l.poolerRestarts} pooler restarts`,
    `leases left to expire after a round ${l.leftToExpire}, left locked ${l.leftLocked}, advisory locks ${l.advisoryLocks}`,
  ].join('; ');
}

function describeFindings(r: CampaignResult): string[] {
  const byKey = new Map<string, string[]>();
  for (const f of r.verdict.findings) {
    const k = f.key ?? f.detail;
    byKey.set(k, [...(byKey.get(k) ?? []), `${f.side} ${f.kind}: ${f.detail}`]);
  }
  return [...byKey.entries()].map(([k, list]) => `${k}: ${list.join(' | ')}${r.model.records.has(k) ? ` — edits: ${historyOf(r.model, k).join('; ')}; edit sides ${JSON.stringify(r.model.records.get(k)!.editSide)}, deletes on ${r.model.records.get(k)!.deleteSide ?? 'none'}` : ''}`);
}

function pct(level: number): string {
  return `${Math.round(level * 100)}%`;
}

/** A Markdown table; the first `textColumns` columns left-aligned, the rest (figures) right-aligned. */
function table(head: string[], body: string[][], textColumns: number): string {
  const widths = head.map((h, i) => Math.max(h.length, ...body.map((r) => r[i]!.length)));
  const line = (cells: string[]) => `| ${cells.map((c, i) => (i < textColumns ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join(' | ')} |`;
  return [line(head), `|${widths.map((w, i) => (i < textColumns ? ` ${'-'.repeat(w)} ` : ` ${'-'.repeat(w - 1)}: `)).join('|')}|`, ...body.map(line)].join('\n');
}

/** The local cluster serving `url` (Debian's pg_lsclusters), or null when it cannot be restarted from here. */
function findCluster(url: string): { version: string; cluster: string } | null {
  const u = new URL(url);
  if (!['127.0.0.1', 'localhost', '::1', '[::1]'].includes(u.hostname)) return null;
  if (!existsSync('/etc/postgresql')) return null;
  try {
    const port = u.port || '5432';
    const out = execFileSync('pg_lsclusters', ['--no-header'], { encoding: 'utf8' });
    for (const line of out.trim().split('\n')) {
      const [version, cluster, p, status] = line.trim().split(/\s+/);
      if (p === port && status?.startsWith('online')) return { version: version!, cluster: cluster! };
    }
  } catch {
    // no pg_lsclusters: not a Debian-managed server
  }
  return null;
}

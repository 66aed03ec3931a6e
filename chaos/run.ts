/**
 * `npm run chaos`: the fault campaign. For each fault level (and database backend), a seeded
 * campaign of two-way (meetings with attendees, journals) and three-way (contacts with Google)
 * syncs while users edit every side, the APIs fail, the sync process is SIGKILLed and restarted,
 * the Notion data source comes back empty or truncated, two instances run at once and the
 * Postgres server restarts (real server only). Then faults stop, syncs run until a full run has
 * nothing to do, and the oracle compares Notion, Google and Postgres with the expected state.
 *
 * Options: --seed N (1), --runs N (faulty rounds per campaign, 5), --records N (records per
 * dataset in the seed, 10), --levels 0.05,0.2,0.5, --backend pglite|postgres|both (default: both
 * when CHAOS_DATABASE_URL or TEST_DATABASE_URL names a server, else pglite), --no-google,
 * --no-restart (never restart the Postgres server), --keep (keep the temporary folders and logs).
 *
 * Prints one table; writes chaos/results/latest.json; exits 1 when any campaign lost, duplicated
 * or wrongly deleted a record, or did not converge.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { runCampaign, type CampaignResult } from './campaign.ts';
import { historyOf } from './model.ts';
import { createProcessHarness, type Backend } from './processHarness.ts';

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
  },
});
const seed = Number(values.seed);
const rounds = Number(values.runs);
const records = Number(values.records);
const levels = values.levels!.split(',').map(Number);
const serverUrl = process.env.CHAOS_DATABASE_URL || process.env.TEST_DATABASE_URL || undefined;
const backendArg = values.backend ?? (serverUrl ? 'both' : 'pglite');
if (
  !Number.isInteger(seed) ||
  !(Number.isInteger(rounds) && rounds >= 1) ||
  !(Number.isInteger(records) && records >= 4) ||
  !levels.every((l) => l > 0 && l < 1) ||
  !['pglite', 'postgres', 'both'].includes(backendArg)
) {
  console.error('usage: npm run chaos -- [--seed N] [--runs N (≥ 1)] [--records N (≥ 4)] [--levels 0.05,0.2,0.5] [--backend pglite|postgres|both] [--no-google] [--no-restart] [--keep]');
  process.exit(2);
}
if (backendArg !== 'pglite' && !serverUrl) {
  console.error('chaos: --backend postgres needs CHAOS_DATABASE_URL (or TEST_DATABASE_URL), e.g. postgres://postgres@127.0.0.1:5432/postgres');
  process.exit(2);
}
const backends: Backend[] = backendArg === 'both' ? ['pglite', 'postgres'] : [backendArg as Backend];
const google = !values['no-google'];
const restartCluster = backends.includes('postgres') && !values['no-restart'] ? findCluster(serverUrl!) : null;

const started = Date.now();
console.log(`jarvis-sync fault campaign — seed ${seed}, ${rounds} faulty rounds, ${records} records per dataset, levels ${levels.join(', ')}, ${backends.join(' and ')}${google ? ', contacts three-way with Google' : ''}`);
if (backends.includes('postgres')) console.log(restartCluster ? `Postgres restarts mid-run: pg_ctlcluster ${restartCluster.version} ${restartCluster.cluster} restart` : 'Postgres restarts: skipped (not a local cluster pg_ctlcluster can restart, or --no-restart)');
const results: Array<CampaignResult & { backend: Backend; skipped: string[]; logs?: string; durationMs: number }> = [];
let index = 0;
for (const backend of backends) {
  for (const level of levels) {
    const campaignSeed = seed * 1000 + index;
    console.log(`\n▶ level ${pct(level)} on ${backend} (campaign seed ${campaignSeed})`);
    const t0 = Date.now();
    const h = await createProcessHarness({ seed: campaignSeed, google, backend, serverUrl, restartCluster, failpointOffset: index, log: (l) => console.log(l) });
    try {
      const r = await runCampaign(h, { seed: campaignSeed, level, rounds, records, google, log: (l) => console.log(l) });
      const failed = failedCampaign(r);
      if (failed || values.keep) h.keepLogs();
      results.push({ ...r, backend, skipped: h.skipped, logs: failed || values.keep ? h.dir : undefined, durationMs: Date.now() - t0 });
      if (failed) for (const line of describeFindings(r).slice(0, 20)) console.log(`  ✗ ${line}`);
    } finally {
      await h.close();
    }
    index++;
  }
}

const header = ['level', 'backend', 'faults injected', 'runs', 'kills', 'records', 'lost', 'duplicated', 'wrongly deleted', 'runs to converge'];
const rows = results.map((r) => [pct(r.level), r.backend, String(r.faultsInjected), String(r.runs), String(r.kills), String(r.records), String(r.lost + r.baseline.lost), String(r.duplicated + r.baseline.duplicated), String(r.wronglyDeleted + r.baseline.wronglyDeleted), r.runsToConverge === null ? 'not converged' : String(r.runsToConverge)]);
console.log(`\n${table(header, rows)}`);
const scenarioTotals: Record<string, number> = {};
for (const r of results) for (const [k, v] of Object.entries(r.scenarios)) scenarioTotals[k.split(/[ :,]/)[0]!] = (scenarioTotals[k.split(/[ :,]/)[0]!] ?? 0) + v;
console.log(`faulty runs by scenario: ${Object.entries(scenarioTotals).map(([k, v]) => `${k} ${v}`).join(', ')}`);
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
writeFileSync(
  out,
  JSON.stringify(
    {
      generatedAt: new Date().toISOString(),
      machine: `${cpus().length} × ${cpus()[0]?.model.trim()}, ${Math.round(totalmem() / 2 ** 30)} GiB, Node ${process.version}`,
      options: { seed, rounds, records, levels, backends, google, restart: Boolean(restartCluster) },
      durationMs: Date.now() - started,
      campaigns: results.map((r) => ({
        level: r.level,
        backend: r.backend,
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
        baseline: r.baseline,
        scenarios: r.scenarios,
        skipped: r.skipped,
        durationMs: r.durationMs,
        logs: r.logs,
        findings: describeFindings(r),
        history: r.history.map((h) => ({ round: h.round, phase: h.phase, scenario: h.scenario, full: h.full, killed: h.killed, died: h.died, writes: h.writes, durationMs: h.durationMs, note: h.note, notOk: h.statuses.filter(([, s]) => s !== 'success' && s !== 'skipped') })),
      })),
    },
    null,
    2,
  ) + '\n',
);
console.log(`results: ${out}`);
process.exit(results.some(failedCampaign) ? 1 : 0);

function failedCampaign(r: CampaignResult): boolean {
  const sum = r.lost + r.duplicated + r.wronglyDeleted + r.baseline.lost + r.baseline.duplicated + r.baseline.wronglyDeleted;
  return sum > 0 || r.runsToConverge === null || r.echoWrites > 0 || r.history.some((x) => x.note?.startsWith('HUNG'));
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

function table(head: string[], body: string[][]): string {
  const widths = head.map((h, i) => Math.max(h.length, ...body.map((r) => r[i]!.length)));
  const line = (cells: string[]) => `| ${cells.map((c, i) => (i < 2 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join(' | ')} |`;
  return [line(head), `|${widths.map((w, i) => (i < 2 ? ` ${'-'.repeat(w)} ` : ` ${'-'.repeat(w - 1)}: `)).join('|')}|`, ...body.map(line)].join('\n');
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

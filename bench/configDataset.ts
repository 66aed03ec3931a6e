/**
 * `npm run bench:config`: datasets defined in the config file alone (issue 14: "requests per run
 * equal the least possible for config-defined datasets too … and a no-change run of it is still
 * 1 request"), at N pages (default 10,000) against the Notion emulator, paced and rate-limited like
 * the real API (3 requests/second).
 *
 * The corpus (emulators/samples/labWorkspace.ts) is a "Lab" database with a property of every kind
 * Notion has — formulas of each result type, a relation to a database that is not synced, past 25
 * references on every 1,000th page, rollups of each result type over it, people, files, dates with an
 * end and a time zone, unique id, verification, place, a button — under three copies, one per dataset:
 *   - lab:         20 fields of mixed kinds, notion-to-postgres;
 *   - lab_two_way: the same 20 fields, two-way (the computed kinds, people and files read-only);
 *   - lab_every:   one field of every kind and result type (28), notion-to-postgres.
 * The database is created first in a process of its own; then, per dataset, a full sync and an
 * incremental run with nothing changed, each in a fresh sync process (bench/syncWorker.ts).
 *
 * Per run: Notion requests answered, by kind (schema, query, property item, page write), against
 * the least possible — a first (full) run reads the schema (GET database → its data source, GET data
 * source: 2), ⌈pages / 100⌉ query pages, and property items only on the pages whose relation says
 * has_more: one request per 100 references for the mapped relation and each mapped rollup over it;
 * an incremental run with nothing changed is 1 query request, nothing else (asserted: the bench exits
 * 1 otherwise) — rows written, wall time against what the rate limit allows, 429s, CPU, peak RSS,
 * Postgres rows read and SQL statements. Writes bench/results/config-dataset-<pglite|postgres>.json.
 *
 * Options: --records N (default 10000), --rps R (default 3), --long-every K (default 1000: every
 * K-th page relates to 30 pages). BENCH_DATABASE_URL set → a fresh database on that server, else
 * PGlite in a temporary folder.
 */
import { execFile } from 'node:child_process';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs, promisify } from 'node:util';
import { createNotionEmulator } from '../emulators/notion/index.ts';
import { LAB_FIELDS_20, LAB_FIELDS_EVERY_KIND, LAB_LONG_RELATION, labLeastPropertyItemRequests, labRelationSize, sampleLabWorkspace } from '../emulators/samples/labWorkspace.ts';
import { benchDatabase, dropBenchDatabase, leastQueryRequests, machine as describeMachine, pacingEfficiency } from './common.ts';

const run = promisify(execFile);
const { values } = parseArgs({
  options: { records: { type: 'string', default: '10000' }, rps: { type: 'string', default: '3' }, 'long-every': { type: 'string', default: '1000' } },
});
const records = Number(values.records);
const rps = Number(values.rps);
const longEvery = Number(values['long-every']);
if (!Number.isInteger(records) || records < 1 || !(rps > 0 && rps <= 100) || !Number.isInteger(longEvery) || longEvery < 1) {
  console.error('usage: npm run bench:config -- [--records N] [--rps R (≤ 100)] [--long-every K]');
  process.exit(2);
}
const burst = Math.max(1, Math.round(rps));
const token = 'secret_bench_config';
const SCHEMA_READS = 2;

const DATASETS = [
  { name: 'lab', direction: 'notion-to-postgres', fields: LAB_FIELDS_20 },
  { name: 'lab_two_way', direction: 'two-way', fields: LAB_FIELDS_20 },
  { name: 'lab_every', direction: 'notion-to-postgres', fields: LAB_FIELDS_EVERY_KIND },
] as const;

const { seed, ids } = sampleLabWorkspace({ pages: records, longRelationEvery: longEvery, databases: DATASETS.length });
const longPages = Array.from({ length: records }, (_, i) => labRelationSize(i, longEvery)).filter((n) => n > 25).length;
const emulator = createNotionEmulator({ seed, tokens: [token], rateLimit: { requestsPerSecond: rps, burst } });

// In front of the emulator: answered requests by kind (a 429 is counted apart: the connector
// retries it), and when a run's first request arrived and its last answer left.
type Kind = 'schema' | 'query' | 'propertyItem' | 'pageWrite' | 'other';
const kindOf = (method: string, path: string): Kind =>
  method === 'POST' && /^\/v1\/data_sources\/[^/]+\/query$/.test(path)
    ? 'query'
    : method === 'GET' && /^\/v1\/pages\/[^/]+\/properties\/[^/]+$/.test(path)
      ? 'propertyItem'
      : method === 'GET' && /^\/v1\/(databases|data_sources)\/[^/]+$/.test(path)
        ? 'schema'
        : (method === 'PATCH' && /^\/v1\/pages\/[^/]+$/.test(path)) || (method === 'POST' && path === '/v1/pages')
          ? 'pageWrite'
          : 'other';
const zero = (): Record<Kind, number> => ({ schema: 0, query: 0, propertyItem: 0, pageWrite: 0, other: 0 });
let answered = zero();
let refused = 0;
let firstAt = 0;
let lastAt = 0;
const server = createServer((req, res) => {
  const kind = kindOf(req.method ?? 'GET', new URL(req.url ?? '/', 'http://x').pathname);
  if (!firstAt) firstAt = performance.now();
  res.on('finish', () => {
    lastAt = performance.now();
    if (res.statusCode === 429) refused++;
    else answered[kind]++;
  });
  emulator.handle(req, res);
});
server.keepAliveTimeout = 5_000;
await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
const dataDir = mkdtempSync(join(tmpdir(), 'jarvis-bench-config-'));
const databaseUrl = await benchDatabase('jarvis_bench_config');
const backend = databaseUrl ? 'postgres' : 'pglite';
const configFile = join(dataDir, 'jarvis-sync.config.json');
writeFileSync(
  configFile,
  JSON.stringify({
    datasets: Object.fromEntries(DATASETS.map((d, i) => [d.name, { databaseId: ids.labDatabases[i], direction: d.direction, table: d.name, fields: d.fields }])),
  }),
);
const env = {
  ...process.env,
  NOTION_TOKEN: token,
  NOTION_BASE_URL: url,
  NOTION_REQUESTS_PER_SECOND: String(rps),
  JARVIS_CONFIG: configFile,
  JARVIS_DATA_DIR: dataDir,
  DATABASE_URL: databaseUrl ?? '',
  LOG_LEVEL: 'silent',
};

interface ConfigDatasetRow {
  dataset: string;
  direction: string;
  fields: number;
  scenario: string;
  pagesRead: number;
  requests: number;
  leastRequests: number;
  byKind: Record<Kind, number>;
  least: { schema: number; query: number; propertyItem: number };
  written: number;
  syncS: number;
  apiSpanS: number;
  allowedS: number;
  pacing: number | null;
  r429: number;
  cpuS: number;
  peakRssMb: number;
  pgRowsReturned: number;
  stmts: number;
}
const rows: ConfigDatasetRow[] = [];
const problems: string[] = [];
const round = (x: number) => Number(x.toFixed(1));

async function worker(dataset: string, mode: string) {
  const { stdout } = await run(process.execPath, ['--import', 'tsx', join(import.meta.dirname, 'syncWorker.ts'), dataset, mode], { env, maxBuffer: 64 << 20 });
  return JSON.parse(stdout.trim().split('\n').pop()!);
}

async function scenario(d: (typeof DATASETS)[number], name: string, mode: 'full' | 'incremental'): Promise<ConfigDatasetRow> {
  emulator.resetCounts();
  answered = zero();
  refused = 0;
  firstAt = lastAt = 0;
  const out = await worker(d.name, mode);
  const r = out.result;
  if (r.status !== 'success') throw new Error(`${d.name} ${name}: ${r.status} — ${r.message}`);
  const requests = Object.values(answered).reduce((a, b) => a + b, 0);
  const mapped = Object.values(d.fields).map((f) => f.property);
  const least =
    mode === 'full'
      ? { schema: SCHEMA_READS, query: leastQueryRequests(out.pagesReturned), propertyItem: labLeastPropertyItemRequests(records, longEvery, mapped) }
      : { schema: 0, query: 1, propertyItem: 0 };
  const leastRequests = least.schema + least.query + least.propertyItem;
  const apiSpanS = (lastAt - firstAt) / 1000;
  const allowedS = Math.max(0, (requests - burst) / rps); // the first burst is free
  const written = r.created + r.updated + r.deleted + r.restored;
  const row: ConfigDatasetRow = {
    dataset: d.name,
    direction: d.direction,
    fields: mapped.length,
    scenario: name,
    pagesRead: out.pagesReturned,
    requests,
    leastRequests,
    byKind: { ...answered },
    least,
    written,
    syncS: round(r.durationMs / 1000),
    apiSpanS: round(apiSpanS),
    allowedS: round(allowedS),
    pacing: pacingEfficiency(allowedS, apiSpanS),
    r429: refused,
    cpuS: round(out.cpuMs / 1000),
    peakRssMb: out.maxRssMb,
    pgRowsReturned: out.pgRowsReturned,
    stmts: out.statements,
  };
  rows.push(row);
  if (out.rateLimited !== refused) problems.push(`${d.name} ${name}: the connector counted ${out.rateLimited} 429s, the emulator sent ${refused}`);
  if (requests !== leastRequests) problems.push(`${d.name} ${name}: ${requests} Notion requests (${JSON.stringify(answered)}), the least possible is ${leastRequests} (${JSON.stringify(least)})`);
  if (answered.pageWrite) problems.push(`${d.name} ${name}: ${answered.pageWrite} Notion page writes, expected none`);
  const expectWritten = mode === 'full' ? records : 0;
  if (written !== expectWritten) problems.push(`${d.name} ${name}: ${written} rows written, expected ${expectWritten}`);
  console.error(
    `  ${d.name} ${name}: ${requests} requests (least ${leastRequests}: ${least.schema} schema + ${least.query} query + ${least.propertyItem} property items), ` +
      `${written} rows written, ${row.syncS} s, ${row.peakRssMb} MB`,
  );
  return row;
}

let createdDatabase: { cpuMs: number; maxRssMb: number } | null = null;
try {
  console.error(
    `jarvis-sync config-dataset bench: ${records} Lab pages (${longPages} with a relation past 25), ${rps} req/s, ${databaseUrl ? 'PostgreSQL' : 'PGlite'}`,
  );
  createdDatabase = await worker('lab', 'migrate');
  for (const d of DATASETS) {
    await scenario(d, 'full initial sync', 'full');
    // Right after the full run: a two-way run also reads back every row it wrote (its Postgres window), compares and writes nothing.
    const quiet = await scenario(d, 'incremental, nothing changed', 'incremental');
    const verdict = quiet.requests === 1 ? 'OK' : 'FAILED';
    console.error(`  ${d.name}: no-change run made ${quiet.requests} Notion request(s) — must be exactly 1: ${verdict}`);
    if (quiet.requests !== 1) problems.push(`${d.name}: the no-change run made ${quiet.requests} Notion requests, not 1`);
  }
} finally {
  await new Promise<void>((resolve) => {
    server.close(() => resolve());
    server.closeAllConnections();
  });
  await emulator.close();
  rmSync(dataDir, { recursive: true, force: true });
  if (databaseUrl) await dropBenchDatabase(databaseUrl);
}

const machine = describeMachine();
console.log(
  `\njarvis-sync config-dataset benchmark — ${records} Lab pages, ${longPages} with a relation of ${LAB_LONG_RELATION}, ${rps} req/s, ${databaseUrl ? 'PostgreSQL' : 'PGlite'} — ${machine}\n`,
);
console.table(
  rows.map((r) => ({
    dataset: `${r.dataset} (${r.fields} fields, ${r.direction})`,
    scenario: r.scenario,
    'requests (least)': `${r.requests} (${r.leastRequests})`,
    'schema + query + items': `${r.byKind.schema} + ${r.byKind.query} + ${r.byKind.propertyItem}`,
    'pages read': r.pagesRead,
    'rows written': r.written,
    'sync s': r.syncS,
    'API s (allowed)': `${r.apiSpanS} (${r.allowedS})`,
    pacing: r.pacing === null ? 'n/a' : `${r.pacing}%`,
    '429s': r.r429,
    'CPU s': r.cpuS,
    'peak RSS MB': r.peakRssMb,
    'PG rows read': r.pgRowsReturned,
  })),
);
for (const r of rows.filter((x) => x.scenario.startsWith('incremental'))) {
  console.log(`no-change run of ${r.dataset}: ${r.requests} Notion request${r.requests === 1 ? '' : 's'} (must be exactly 1) — ${r.requests === 1 ? 'OK' : 'FAILED'}`);
}
if (createdDatabase) console.log(`creating the database (first start, own process): peak RSS ${createdDatabase.maxRssMb} MB, CPU ${(createdDatabase.cpuMs / 1000).toFixed(1)} s`);
for (const p of problems) console.log(`PROBLEM: ${p}`);

mkdirSync(join(import.meta.dirname, 'results'), { recursive: true });
const file = join(import.meta.dirname, 'results', `config-dataset-${backend}.json`);
writeFileSync(
  file,
  JSON.stringify({ date: new Date().toISOString(), machine, records, longEvery, longPages, longRelation: LAB_LONG_RELATION, rps, burst, backend, createdDatabase, problems, rows }, null, 2) + '\n',
);
console.log(`\nwritten to ${file}`);
if (problems.length) process.exitCode = 1;

/**
 * `npm run bench:one-way`: full and incremental syncs of N Notion pages (default 1,000, 10,000 and
 * 100,000, one after the other) against the Notion emulator, paced and rate-limited like the real
 * API (3 requests/second). For each size: the database is created first in a process of its own
 * (for PGlite that is initdb in WASM, the largest memory peak of a first start), then each scenario
 * runs in a fresh sync process. Per scenario: Notion requests made against the least possible,
 * pacing efficiency (the time the rate limit allows for the requests made, against the time
 * between the first request and the last answer), 429s, CPU time, peak memory of the sync
 * process, SQL statements and the rows Postgres returned to SELECTs (an incremental run must not
 * read the table). Writes bench/results/one-way-<pglite|postgres>.json.
 *
 * Least possible query requests: ⌈pages / 100⌉, except that Notion stops every query at 10,000
 * rows; the connector then opens the next window at the last created_time (on or after, since
 * Notion's timestamps have minute resolution), which re-reads that boundary row.
 * leastQueryRequests() counts exactly that.
 *
 * Options: --records N[,N…] (default 1000,10000,100000), --rps R (default 3). BENCH_DATABASE_URL
 * set → the real Postgres (a fresh database per size), else PGlite in a temporary folder.
 */
import { execFile } from 'node:child_process';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs, promisify } from 'node:util';
import { createNotionEmulator } from '../emulators/notion/index.ts';
import { sampleNotionWorkspace } from '../emulators/samples/notionWorkspace.ts';
import { benchDatabase, dropBenchDatabase, leastQueryRequests, machine as describeMachine, pacingEfficiency, type OneWayRow } from './common.ts';

const run = promisify(execFile);
const { values } = parseArgs({ options: { records: { type: 'string', default: '1000,10000,100000' }, rps: { type: 'string', default: '3' } } });
const sizes = values.records!.split(',').map(Number);
const rps = Number(values.rps);
if (!sizes.every((n) => Number.isInteger(n) && n >= 1) || !(rps > 0 && rps <= 100)) {
  console.error('usage: npm run bench:one-way -- [--records N[,N…]] [--rps R (≤ 100)]');
  process.exit(2);
}
const burst = Math.max(1, Math.round(rps));
const token = 'secret_bench';
const backend = process.env.BENCH_DATABASE_URL ? 'postgres' : 'pglite';

const rows: OneWayRow[] = [];

async function benchSize(records: number): Promise<void> {
  const { seed, ids } = sampleNotionWorkspace({ books: records, highlightsPerBook: 0, firstBookHighlights: 0 });
  const emulator = createNotionEmulator({ seed, tokens: [token], rateLimit: { requestsPerSecond: rps, burst } });
  // In front of the emulator: when the first request of a run arrived and its last answer left.
  let firstAt = 0;
  let lastAt = 0;
  const server = createServer((req, res) => {
    if (!firstAt) firstAt = performance.now();
    res.on('finish', () => (lastAt = performance.now()));
    emulator.handle(req, res);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const dataDir = mkdtempSync(join(tmpdir(), 'jarvis-bench-'));
  const databaseUrl = await benchDatabase();
  const env = {
    ...process.env,
    NOTION_TOKEN: token,
    NOTION_BASE_URL: url,
    NOTION_BOOKS_DATABASE_ID: ids.booksDatabase,
    NOTION_REQUESTS_PER_SECOND: String(rps),
    JARVIS_DATA_DIR: dataDir,
    DATABASE_URL: databaseUrl ?? '',
    LOG_LEVEL: 'silent',
  };
  const worker = async (mode: string) => {
    const { stdout } = await run(process.execPath, ['--import', 'tsx', join(import.meta.dirname, 'syncWorker.ts'), 'books', mode], { env, maxBuffer: 64 << 20 });
    return JSON.parse(stdout.trim().split('\n').pop()!);
  };

  async function scenario(name: string, mode: 'full' | 'incremental', edited: number) {
    emulator.resetCounts();
    firstAt = lastAt = 0;
    const out = await worker(mode);
    const r = out.result;
    if (r.status !== 'success') throw new Error(`${name}: ${r.status} ${r.message}`);
    const requests = emulator.totalRequests();
    const queries = emulator.requestCounts['POST /v1/data_sources/:id/query'] ?? 0;
    const apiSpanS = (lastAt - firstAt) / 1000;
    const allowedS = Math.max(0, (requests - burst) / rps); // the first burst is free
    // Pages the query windows returned: the edits, plus any page edited within the overlap before
    // the cursor (Notion's minute-truncated timestamps make that re-read necessary; compared, not written).
    const pagesRead = out.pagesReturned;
    const written = r.created + r.updated + r.deleted + r.restored;
    rows.push({
      records,
      scenario: name,
      pagesRead,
      edited,
      requests,
      queries,
      leastQueries: leastQueryRequests(pagesRead),
      written,
      syncS: round(r.durationMs / 1000),
      apiSpanS: round(apiSpanS),
      allowedS: round(allowedS),
      pacing: pacingEfficiency(allowedS, apiSpanS),
      r429: out.rateLimited,
      cpuS: round(out.cpuMs / 1000),
      peakRssMb: out.maxRssMb,
      stmts: out.statements,
      pgRowsReturned: out.pgRowsReturned,
    });
    console.error(`  ${records} ${name}: ${requests} requests, ${written} written, ${round(r.durationMs / 1000)} s, ${out.maxRssMb} MB`);
  }

  /** Edits that always change the value (a new title), so every edit is a write to make. */
  function editBooks(count: number, round: number) {
    const pages = emulator.listPages(ids.booksDataSource);
    for (let i = 0; i < count; i++) {
      const page = pages[(i * 7919 + round) % pages.length]!;
      emulator.updatePage(page.id, { Title: { title: [{ text: { content: `Edited book ${i} (round ${round})` } }] } });
    }
  }

  try {
    console.error(`jarvis-sync one-way bench: ${records} pages, ${rps} req/s, ${backend === 'postgres' ? 'PostgreSQL' : 'PGlite'}`);
    const created = await worker('migrate');
    rows.push({ records, scenario: 'create the database (first start)', pagesRead: 0, edited: 0, requests: 0, queries: 0, leastQueries: 0, written: 0, syncS: 0, apiSpanS: 0, allowedS: 0, pacing: null, r429: 0, cpuS: round(created.cpuMs / 1000), peakRssMb: created.maxRssMb, stmts: 0, pgRowsReturned: null });
    await scenario('full initial sync', 'full', records);
    await scenario('incremental, 0 changed', 'incremental', 0);
    editBooks(Math.ceil(records * 0.01), 1);
    await scenario('incremental, 1% changed', 'incremental', Math.ceil(records * 0.01));
    editBooks(Math.ceil(records * 0.1), 2);
    await scenario('incremental, 10% changed', 'incremental', Math.ceil(records * 0.1));
  } finally {
    await new Promise((resolve) => server.close(resolve));
    rmSync(dataDir, { recursive: true, force: true });
    if (databaseUrl) await dropBenchDatabase(databaseUrl);
  }
}

for (const n of sizes) await benchSize(n);

const machine = describeMachine();
console.log(`\njarvis-sync one-way benchmark — books, ${rps} req/s, ${backend === 'postgres' ? 'PostgreSQL' : 'PGlite'} — ${machine}\n`);
console.table(
  rows.map((r) => ({
    pages: r.records,
    scenario: r.scenario,
    'pages read (edited)': r.scenario.startsWith('create') ? '—' : `${r.pagesRead} (${r.edited})`,
    'query requests (least)': `${r.queries} (${r.leastQueries})`,
    'all requests': r.requests,
    'rows written': r.written,
    'sync s': r.syncS,
    'API s (allowed)': `${r.apiSpanS} (${r.allowedS})`,
    pacing: r.pacing === null ? 'n/a' : `${r.pacing}%`,
    '429s': r.r429,
    'CPU s': r.cpuS,
    'peak RSS MB': r.peakRssMb,
    'SQL statements': r.stmts,
    'PG rows read': r.pgRowsReturned ?? '—',
  })),
);
mkdirSync(join(import.meta.dirname, 'results'), { recursive: true });
const file = join(import.meta.dirname, 'results', `one-way-${backend}.json`);
writeFileSync(file, JSON.stringify({ date: new Date().toISOString(), machine, rps, backend, rows }, null, 2) + '\n');
console.log(`\nwritten to ${file}`);

function round(x: number): number {
  return Number(x.toFixed(1));
}

/**
 * The README's one-way and two-way performance tables, generated from bench/results/*.json (what
 * the last `npm run bench` wrote), so the README always shows measured figures.
 * `npm run bench:report` rewrites README.md between the bench-tables markers;
 * test/bench/readmeTables.test.ts fails when README.md and the results differ.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { leastQueryRequests, type OneWayRow } from './common.ts';
import type { FreshnessResult } from './freshness.ts';

export const START = '<!-- bench-tables:start (generated from bench/results/*.json by `npm run bench:report`) -->';
export const END = '<!-- bench-tables:end -->';
const RESULTS = join(import.meta.dirname, 'results');


interface TwoWayRow {
  scenario: string;
  pagesReturned: number;
  changedPages: number;
  queries: number;
  leastQueries: number;
  pageWrites: number;
  leastPageWrites: number;
  otherRequests: number;
  pgRowsReturned: number;
  pgRowWrites: number;
  leastPgRowWrites: number;
  ledgerWrites: number;
  syncS: number;
  apiSpanS: number;
  allowedS: number;
  pacing: number | null;
  r429: number;
  cpuS: number;
  peakRssMb: number;
  stmts: number;
  result: { created: number; updated: number; deleted: number; restored: number; unchanged: number };
}

interface TwoWayResult {
  date: string;
  machine: string;
  records: number;
  editCount: number;
  backend: string;
  converged: string;
  createdDatabase: { cpuMs: number; maxRssMb: number } | null;
  rows: TwoWayRow[];
}

const BACKENDS = ['pglite', 'postgres'] as const;
/** "13 (1.3)": statements of the run, and per 1,000 records handled when that is at least 100. */
const perThousand = (stmts: number, records: number) => (records >= 100 ? `${stmts} (${Number(((stmts / records) * 1000).toFixed(1))})` : String(stmts));
const n = (x: number) => x.toLocaleString('en-US');
const pct = (p: number | null) => (p === null ? '—' : `${p}%`);
const s = (x: number) => `${x} s`;
/** One figure per backend: "a / b", or one value when both agree. */
function both<T>(values: Array<T | undefined>, fmt: (v: T) => string, merge = true): string {
  const shown = values.map((v) => (v === undefined ? '—' : fmt(v)));
  return merge && shown.every((x) => x === shown[0]) ? shown[0]! : shown.join(' / ');
}

function readJson<T>(file: string): T | null {
  const path = join(RESULTS, file);
  return existsSync(path) ? (JSON.parse(readFileSync(path, 'utf8')) as T) : null;
}

export function oneWayTable(): string {
  const results = BACKENDS.map((b) => readJson<{ date: string; machine: string; rps: number; rows: OneWayRow[] }>(`one-way-${b}.json`));
  const base = results.find(Boolean);
  if (!base) return '(no one-way results yet: run `npm run bench`)\n';
  const key = (r: OneWayRow) => `${r.records}|${r.scenario}`;
  const lookup = results.map((res) => new Map((res?.rows ?? []).map((r) => [key(r), r])));
  const out = [
    `**One-way (books), ${base.rps} requests/second** — PGlite / PostgreSQL where the figures differ; measured ${results.map((r, i) => (r ? `${BACKENDS[i]} ${r.date.slice(0, 10)}` : null)).filter(Boolean).join(', ')}.`,
    '',
    '| pages | scenario | pages read (edited) | query requests (least) | rows written | sync time | API time (rate limit allows) | pacing | 429s | CPU | peak RSS | Postgres rows read | SQL statements (per 1,000 pages) |',
    '|---|---|---|---|---|---|---|---|---|---|---|---|---|',
  ];
  for (const row of base.rows) {
    const rs = lookup.map((m) => m.get(key(row)));
    if (row.scenario.startsWith('create')) {
      out.push(`| ${n(row.records)} | ${row.scenario} | — | — | — | — | — | — | — | ${both(rs, (r) => s(r.cpuS))} | ${both(rs, (r) => `${r.peakRssMb} MB`, false)} | — | — |`);
      continue;
    }
    out.push(
      `| ${n(row.records)} | ${row.scenario} | ${both(rs, (r) => `${n(r.pagesRead)} (${n(r.edited)})`)} | ${both(rs, (r) => `${n(r.queries)} (${n(leastQueryRequests(r.pagesRead))})`)} | ${both(rs, (r) => n(r.written))} | ${both(rs, (r) => s(r.syncS))} | ${both(rs, (r) => `${r.apiSpanS} s (${r.allowedS} s)`)} | ${both(rs, (r) => pct(r.pacing))} | ${both(rs, (r) => String(r.r429))} | ${both(rs, (r) => s(r.cpuS))} | ${both(rs, (r) => `${r.peakRssMb} MB`, false)} | ${both(rs, (r) => (r.pgRowsReturned === null ? '—' : n(r.pgRowsReturned)))} | ${both(rs, (r) => perThousand(r.stmts, r.pagesRead))} |`,
    );
  }
  return out.join('\n') + '\n';
}

export function twoWayTables(): string {
  const sizes = [1000, 10000, 100000];
  const out: string[] = [];
  for (const size of sizes) {
    const results = BACKENDS.map((b) => readJson<TwoWayResult>(`two-way-${b}-${size}.json`));
    const base = results.find(Boolean);
    if (!base) continue;
    const lookup = results.map((res) => new Map((res?.rows ?? []).map((r) => [r.scenario, r])));
    out.push(
      `**Two-way (journals), ${n(size)} records, ${n(base.editCount)} edited in Notion and another ${n(base.editCount)} in Postgres** — converged: ${results.map((r) => (r ? r.converged.split(' ')[0] : '—')).join(' / ')}; creating the database: ${results.map((r) => (r?.createdDatabase ? `${r.createdDatabase.maxRssMb} MB` : '—')).join(' / ')} peak RSS.`,
      '',
      '| run | query requests (least) | page writes (least) | Postgres rows written (least) | ledger writes | Postgres rows read | sync time | API time (rate limit allows) | pacing | 429s | CPU | peak RSS | SQL statements (per 1,000 records compared) |',
      '|---|---|---|---|---|---|---|---|---|---|---|---|---|',
    );
    for (const row of base.rows) {
      const rs = lookup.map((m) => m.get(row.scenario));
      out.push(
        `| ${row.scenario} | ${both(rs, (r) => `${n(r.queries)} (${n(leastQueryRequests(r.pagesReturned))})`)} | ${both(rs, (r) => `${n(r.pageWrites)} (${n(r.leastPageWrites)})`)} | ${both(rs, (r) => `${n(r.pgRowWrites)} (${n(r.leastPgRowWrites)})`)} | ${both(rs, (r) => n(r.ledgerWrites))} | ${both(rs, (r) => n(r.pgRowsReturned))} | ${both(rs, (r) => s(r.syncS))} | ${both(rs, (r) => `${r.apiSpanS} s (${r.allowedS} s)`)} | ${both(rs, (r) => pct(r.pacing))} | ${both(rs, (r) => String(r.r429))} | ${both(rs, (r) => s(r.cpuS))} | ${both(rs, (r) => `${r.peakRssMb} MB`, false)} | ${both(rs, (r) => perThousand(r.stmts, r.result.created + r.result.updated + r.result.deleted + r.result.restored + r.result.unchanged))} |`,
      );
    }
    out.push('');
  }
  return out.length ? out.join('\n') : '(no two-way results yet: run `npm run bench`)\n';
}

interface GoogleRow {
  scenario: string;
  dataset: string;
  listed: string;
  requests: Record<'calendar' | 'gmail' | 'people' | 'token' | 'notion', number>;
  least: Record<'calendar' | 'gmail' | 'people' | 'token' | 'notion', number>;
  rowWrites: number;
  leastRowWrites: number;
  syncS: number;
  allowedS: number;
  pacing: string;
  r429: number;
  cpuS: number;
  peakRssMb: number;
}

export function googleTable(): string {
  const results = BACKENDS.map((b) => readJson<{ date: string; limits: string; counts: Record<string, number>; rows: GoogleRow[] }>(`google-${b}.json`));
  const base = results.find(Boolean);
  if (!base) return '';
  const key = (r: GoogleRow) => `${r.scenario}|${r.dataset}`;
  const lookup = results.map((res) => new Map((res?.rows ?? []).map((r) => [key(r), r])));
  const api = (r: GoogleRow, a: keyof GoogleRow['requests']) => (r.requests[a] || r.least[a] ? `${n(r.requests[a])} (${n(r.least[a])})` : '—');
  const out = [
    `**Google: ${n(base.counts.events ?? 0)} calendar events, ${n(base.counts.messages ?? 0)} Gmail messages, ${n(base.counts.contacts ?? 0)} contacts** — ${base.limits}. Requests made (least possible); PGlite / PostgreSQL where the figures differ.`,
    '',
    '| scenario | dataset | what was read | Calendar | Gmail | People | Notion | rows written (least) | sync time | pacing | 429s | CPU | peak RSS |',
    '|---|---|---|---|---|---|---|---|---|---|---|---|---|',
  ];
  for (const row of base.rows) {
    const rs = lookup.map((m) => m.get(key(row)));
    out.push(
      `| ${row.scenario} | ${row.dataset} | ${both(rs, (r) => r.listed)} | ${both(rs, (r) => api(r, 'calendar'))} | ${both(rs, (r) => api(r, 'gmail'))} | ${both(rs, (r) => api(r, 'people'))} | ${both(rs, (r) => api(r, 'notion'))} | ${both(rs, (r) => `${n(r.rowWrites)} (${n(r.leastRowWrites)})`)} | ${both(rs, (r) => s(r.syncS))} | ${both(rs, (r) => (r.pacing === 'n/a' ? '—' : r.pacing))} | ${both(rs, (r) => String(r.r429))} | ${both(rs, (r) => s(r.cpuS))} | ${both(rs, (r) => `${r.peakRssMb} MB`, false)} |`,
    );
  }
  return out.join('\n') + '\n';
}

/** Datasets defined in the config alone (bench/configDataset.ts): requests against the least possible. */
export function configDatasetTable(): string {
  interface Row {
    dataset: string;
    direction: string;
    fields: number;
    scenario: string;
    pagesRead: number;
    requests: number;
    leastRequests: number;
    byKind: { schema: number; query: number; propertyItem: number };
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
  }
  type Result = { date: string; records: number; longPages: number; longRelation: number; rps: number; createdDatabase: { maxRssMb: number } | null; rows: Row[] };
  const results = BACKENDS.map((b) => readJson<Result>(`config-dataset-${b}.json`));
  const base = results.find(Boolean);
  if (!base) return '';
  const key = (r: Row) => `${r.dataset}|${r.scenario}`;
  const lookup = results.map((res) => new Map((res?.rows ?? []).map((r) => [key(r), r])));
  const split = (k: Row['byKind']) => `${n(k.schema)} + ${n(k.query)} + ${n(k.propertyItem)}`;
  const out = [
    `**Datasets of your own (config only), ${n(base.records)} pages with a property of every kind, ${base.rps} requests/second** — a relation of ${base.longRelation} on ${n(base.longPages)} pages; PGlite / PostgreSQL where the figures differ; measured ${results.map((r, i) => (r ? `${BACKENDS[i]} ${r.date.slice(0, 10)}` : null)).filter(Boolean).join(', ')}; creating the database: ${results.map((r) => (r?.createdDatabase ? `${r.createdDatabase.maxRssMb} MB` : '—')).join(' / ')} peak RSS.`,
    '',
    '| dataset | run | Notion requests (least) | schema + query + property items (least) | pages read | rows written | sync time | API time (rate limit allows) | pacing | 429s | CPU | peak RSS | Postgres rows read |',
    '|---|---|---|---|---|---|---|---|---|---|---|---|---|',
  ];
  for (const row of base.rows) {
    const rs = lookup.map((m) => m.get(key(row)));
    out.push(
      `| ${row.dataset}: ${row.fields} fields, ${row.direction} | ${row.scenario} | ${both(rs, (r) => `${n(r.requests)} (${n(r.leastRequests)})`)} | ${both(rs, (r) => `${split(r.byKind)} (${split(r.least)})`)} | ${both(rs, (r) => n(r.pagesRead))} | ${both(rs, (r) => n(r.written))} | ${both(rs, (r) => s(r.syncS))} | ${both(rs, (r) => `${r.apiSpanS} s (${r.allowedS} s)`)} | ${both(rs, (r) => pct(r.pacing))} | ${both(rs, (r) => String(r.r429))} | ${both(rs, (r) => s(r.cpuS))} | ${both(rs, (r) => `${r.peakRssMb} MB`, false)} | ${both(rs, (r) => n(r.pgRowsReturned))} |`,
    );
  }
  return out.join('\n') + '\n';
}

/** Start-up on the embedded default (bench/startup.ts). */
export function startupTable(): string {
  const r = readJson<{ date: string; runs: number; rows: Array<{ scenario: string; wallMs: number; peakRssMb: number; cpuMs: number }> }>('startup.json');
  if (!r) return '(no start-up results yet: run `npm run bench:startup`)\n';
  const time = (ms: number) => (ms >= 1000 ? `${(ms / 1000).toFixed(1)} s` : `${ms} ms`);
  return [
    `**Start-up, embedded PGlite** — median of ${r.runs} runs, each in a fresh process; measured ${r.date.slice(0, 10)}.`,
    '',
    '| command | wall time | CPU | peak RSS |',
    '|---|---|---|---|',
    ...r.rows.map((x) => `| ${x.scenario} | ${time(x.wallMs)} | ${time(x.cpuMs)} | ${x.peakRssMb} MB |`),
  ].join('\n') + '\n';
}

/** Freshness of the service in its default configuration (bench/freshness.ts). */
export function freshnessTable(): string {
  const r = readJson<FreshnessResult>('freshness.json');
  if (!r) return '(no freshness results yet: run `npm run bench:freshness`)\n';
  const sec = (x: number | null) => (x === null ? '—' : `${x} s`);
  const verdict = (pass: boolean | null, target: string) => (pass === null ? '—' : `${target}: ${pass ? 'pass' : 'FAIL'}`);
  const perHour = (x: number) => `${n(x)}/h`;
  const st = r.settings;
  return [
    `**Freshness: from an edit to its write on the other side** — \`jarvis-sync serve\` in its default configuration (only the 15-minute schedule and the nightly pass off), real clock, against the emulators: Notion at ${st.notionRps} requests/second (burst ${st.notionBurst}), ${st.latencyMs} ms per request at both; ${st.edits} edits in each direction, each to a row or page of its own at random times (1.8–2 s apart on average); Postgres looked at for the written value every ${st.watchMs} ms. Measured ${r.date.slice(0, 10)} in ${Math.round(r.durationS / 60)} minutes, load average ${r.loadAverage.meanOfSamples1m} (1-minute, mean during the run; ${r.machine.split(',')[0]}).`,
    '',
    '| direction | how changes arrive | database | arrived | p50 | p95 | max | target |',
    '|---|---|---|---|---|---|---|---|',
    ...r.scenarios.map((x) => `| ${x.direction} | ${x.arrival} | ${x.database} | ${x.arrived} of ${x.edits} | ${sec(x.p50S)} | ${sec(x.p95S)} | ${sec(x.maxS)} | ${verdict(x.pass, `p95 < ${x.targetP95S} s`)} |`),
    '',
    '| burst | how changes arrive | edits | rows | lost | writes | last edit → written (p50, max) | target |',
    '|---|---|---|---|---|---|---|---|',
    ...r.bursts.map((x) => `| ${x.direction} | ${x.arrival} | ${x.edits} in ${x.windowS} s | ${x.rows} | ${x.lost} | ${x.writes} | ${sec(x.p50S)}, ${sec(x.maxS)} | ${verdict(x.pass, 'none lost')} |`),
    '',
    `| while idle (${r.idle[0]?.windowS ?? '—'} s, extrapolated to an hour) | Notion requests | Google requests | SQL transactions | target |`,
    '|---|---|---|---|---|',
    ...r.idle.map((x) => `| ${x.configuration} | ${x.notionPerSecond}/s (${perHour(x.notionPerHour)}) | ${perHour(x.googlePerHour)} | ${perHour(x.sqlPerHour)} | ${verdict(x.pass, `Notion < ${x.targetNotionPerSecond}/s`)} |`),
    '',
    `Echo writes (jarvis-sync writing back to the side an edit was made on, checked for all ${n(r.echo.checked)} rows and pages edited above): ${r.echo.writes} — ${r.echo.pass ? 'pass' : 'FAIL'}.`,
  ].join('\n') + '\n';
}

export function benchTables(): string {
  return `${startupTable()}\n${oneWayTable()}\n${twoWayTables()}\n${configDatasetTable()}\n${googleTable()}\n${freshnessTable()}`.trimEnd() + '\n';
}

/** README.md with the generated tables between the markers. */
export function readmeWithTables(readme: string): string {
  const start = readme.indexOf(START);
  const end = readme.indexOf(END);
  if (start < 0 || end < start) throw new Error(`README.md has no "${START}" … "${END}" markers`);
  return `${readme.slice(0, start + START.length)}\n\n${benchTables()}\n${readme.slice(end)}`;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const path = join(import.meta.dirname, '..', 'README.md');
  writeFileSync(path, readmeWithTables(readFileSync(path, 'utf8')));
  console.log(`README.md: performance tables rewritten from ${RESULTS}`);
}

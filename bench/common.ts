/** What the benchmarks share: the fresh database on BENCH_DATABASE_URL, the machine line. */
import { cpus, totalmem } from 'node:os';
import pg from 'pg';

/** With BENCH_DATABASE_URL, a fresh database on that server (drop it with dropBenchDatabase); else null (PGlite). */
export async function benchDatabase(prefix = 'jarvis_bench'): Promise<string | null> {
  const base = process.env.BENCH_DATABASE_URL;
  if (!base) return null;
  const name = `${prefix}_${Date.now()}`;
  const admin = new pg.Client({ connectionString: base });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE ${name}`);
  } finally {
    await admin.end();
  }
  const u = new URL(base);
  u.pathname = `/${name}`;
  return u.toString();
}

export async function dropBenchDatabase(url: string): Promise<void> {
  const name = new URL(url).pathname.slice(1);
  const admin = new pg.Client({ connectionString: process.env.BENCH_DATABASE_URL });
  await admin.connect();
  try {
    await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
  } finally {
    await admin.end();
  }
}

export function machine(): string {
  return `${cpus().length} × ${cpus()[0]?.model.trim()}, ${Math.round(totalmem() / 2 ** 30)} GiB, Node ${process.version}`;
}

/** Rows one Notion query returns at most; past it the connector opens a window on created_time. */
export const NOTION_QUERY_CAP = 10_000;

/**
 * The fewest query requests that return `pages` distinct pages at 100 per request: Notion ends each
 * query at 10,000 rows (saying when more remain), and every further window (created_time on or
 * after the last one seen) re-reads its boundary row. Below the cap this is ⌈pages / 100⌉ (at least 1).
 */
export function leastQueryRequests(pages: number): number {
  let remaining = pages;
  let requests = 0;
  for (let window = 0; ; window++) {
    const boundary = window === 0 ? 0 : 1;
    const rows = Math.min(NOTION_QUERY_CAP, remaining + boundary);
    requests += Math.max(1, Math.ceil(rows / 100));
    remaining -= rows - boundary;
    if (remaining <= 0) return requests;
  }
}

/**
 * Pacing efficiency in percent: the time the rate limit allows for the requests made (after the
 * free first burst) against the time from the first request to the last answer. null when the
 * limit allows under a second: such a run is too short for the limit to be what bounds it.
 */
export function pacingEfficiency(allowedS: number, apiSpanS: number): number | null {
  if (allowedS < 1 || apiSpanS <= 0) return null;
  return Math.min(100, Math.round((allowedS / apiSpanS) * 100));
}

/** One scenario of the one-way benchmark, as bench/results/one-way-<backend>.json stores it. */
export interface OneWayRow {
  records: number;
  scenario: string;
  pagesRead: number;
  edited: number;
  requests: number;
  queries: number;
  leastQueries: number;
  written: number;
  syncS: number;
  apiSpanS: number;
  allowedS: number;
  pacing: number | null;
  r429: number;
  cpuS: number;
  peakRssMb: number;
  stmts: number;
  pgRowsReturned: number | null;
}

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

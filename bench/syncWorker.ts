/**
 * One sync run in its own process, so its peak memory and CPU time are the sync's alone (the
 * emulator lives in the benchmark's process). Prints one JSON line: the run's result and resources.
 *
 * Usage: syncWorker.ts [dataset=books] [full|incremental|migrate=incremental] — any dataset,
 * one-way or two-way (runDataset picks the runner); configured through the environment like the
 * CLI. `migrate` only creates the database and applies the migrations (for PGlite that is initdb
 * in WASM, the largest memory peak of a first start), so the sync runs after it are measured alone.
 */
import { loadConfig } from '../src/config/index.ts';
import { createRunContext, openMigratedStore } from '../src/cli/app.ts';
import { runDataset } from '../src/engine/runAll.ts';
import { silentLogger } from '../src/lib/logger.ts';
import type { QueryResult, Sql, Store } from '../src/store/types.ts';

const [dataset = 'books', mode = 'incremental'] = process.argv.slice(2);
const config = loadConfig();
const cpuAtStart = process.cpuUsage();
const store = await openMigratedStore(config, silentLogger);
if (mode === 'migrate') {
  const cpu = process.cpuUsage(cpuAtStart);
  await store.close();
  process.stdout.write(JSON.stringify({ cpuMs: Math.round((cpu.user + cpu.system) / 1000), maxRssMb: Math.round(process.resourceUsage().maxRSS / 1024) }) + '\n');
  process.exit(0);
}
const ds = config.datasets.find((d) => d.name === dataset);
if (!ds) throw new Error(`syncWorker: no dataset "${dataset}"`);
const rowsRead = countRowsReturned(store);
const ctx = createRunContext(config, store, silentLogger);
// Count the pages the query windows return (the "least requests" of a run is ⌈pages / 100⌉).
let pagesReturned = 0;
const queryPages = ctx.notion.queryPages.bind(ctx.notion);
ctx.notion.queryPages = async function* (...args: Parameters<typeof queryPages>) {
  for await (const page of queryPages(...args)) {
    pagesReturned++;
    yield page;
  }
};
const statementsBefore = store.statementCount;
const cpuBefore = process.cpuUsage();
const { plan: _plan, ...result } = await runDataset(ctx, ds, { full: mode === 'full' });
const cpu = process.cpuUsage(cpuBefore);
const statements = store.statementCount - statementsBefore;
await store.close();
process.stdout.write(
  JSON.stringify({
    result,
    statements,
    pgRowsReturned: rowsRead.selected,
    pagesReturned,
    cpuMs: Math.round((cpu.user + cpu.system) / 1000),
    waitedMs: Math.round(ctx.notion.stats.waitedMs),
    rateLimited: ctx.notion.stats.rateLimited,
    retries: ctx.notion.stats.retries,
    byEndpoint: ctx.notion.stats.byEndpoint,
    maxRssMb: Math.round(process.resourceUsage().maxRSS / 1024),
  }) + '\n',
);

/**
 * Rows Postgres sent back to SELECTs during the run (inside transactions too): the proof that an
 * incremental run reads only the rows it needs, not the table. Rows echoed by INSERT … RETURNING
 * are the run's own writes and are not counted.
 */
function countRowsReturned(s: Store): { selected: number } {
  const counter = { selected: 0 };
  const counted = <T extends Sql>(sql: T): T => {
    const query = sql.query.bind(sql);
    sql.query = (async (text: string, params?: unknown[]) => {
      const r: QueryResult<unknown> = await query(text, params);
      if (/^\s*(SELECT|WITH)\b/i.test(text)) counter.selected += r.rows.length;
      return r;
    }) as T['query'];
    return sql;
  };
  counted(s);
  const transaction = s.transaction.bind(s);
  s.transaction = ((fn: (tx: Sql) => Promise<unknown>) => transaction((tx) => fn(counted(tx)))) as Store['transaction'];
  return counter;
}

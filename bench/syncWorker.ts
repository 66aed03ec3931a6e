/**
 * One sync run in its own process, so its peak memory and CPU time are the sync's alone (the
 * emulator lives in the benchmark's process). Prints one JSON line: the run's result and resources.
 *
 * Usage: syncWorker.ts [dataset=books] [full|incremental=incremental] — any dataset, one-way or
 * two-way (runDataset picks the runner); configured through the environment like the CLI.
 */
import { loadConfig } from '../src/config/index.ts';
import { createRunContext, openMigratedStore } from '../src/cli/app.ts';
import { runDataset } from '../src/engine/runAll.ts';
import { silentLogger } from '../src/lib/logger.ts';

const [dataset = 'books', mode = 'incremental'] = process.argv.slice(2);
const config = loadConfig();
const store = await openMigratedStore(config, silentLogger);
const ds = config.datasets.find((d) => d.name === dataset);
if (!ds) throw new Error(`syncWorker: no dataset "${dataset}"`);
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
    pagesReturned,
    cpuMs: Math.round((cpu.user + cpu.system) / 1000),
    waitedMs: Math.round(ctx.notion.stats.waitedMs),
    rateLimited: ctx.notion.stats.rateLimited,
    retries: ctx.notion.stats.retries,
    byEndpoint: ctx.notion.stats.byEndpoint,
    maxRssMb: Math.round(process.resourceUsage().maxRSS / 1024),
  }) + '\n',
);

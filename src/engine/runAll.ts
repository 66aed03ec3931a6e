import type { ResolvedDataset } from '../config/index.ts';
import { syncOrder } from '../datasets/index.ts';
import { writeSyncLog } from '../store/index.ts';
import type { RunContext, RunOptions } from './context.ts';
import { emptyResult, type RunResult } from './result.ts';
import { runOneWay } from './runOneWay.ts';
import { runTwoWay } from './runTwoWay.ts';

/** Runs one dataset with the runner of its pattern; an unconfigured dataset is skipped, not an error. */
export async function runDataset(ctx: RunContext, ds: ResolvedDataset, opts: RunOptions = {}): Promise<RunResult> {
  if (!ds.enabled || !ds.databaseId) {
    const r = emptyResult(ds.name, opts.full ? 'full' : 'incremental', Boolean(opts.dryRun));
    r.status = 'skipped';
    r.message = ds.enabled ? `not configured (set ${ds.databaseIdEnv} to its Notion database id)` : 'disabled in the config file';
    return r;
  }
  switch (ds.pattern) {
    case 'one-way':
      return runOneWay(ctx, ds, opts);
    case 'two-way':
      return runTwoWay(ctx, ds, opts);
    default: {
      const r = emptyResult(ds.name, opts.full ? 'full' : 'incremental', Boolean(opts.dryRun));
      r.status = 'skipped';
      r.message = `the ${ds.pattern} runner is not available in this version`;
      return r;
    }
  }
}

/** `sync all`: every dataset in the spec's order, then one `full_sync_complete` row. */
export async function runAll(ctx: RunContext, opts: RunOptions = {}, onResult?: (r: RunResult) => void): Promise<RunResult[]> {
  const started = new Date(ctx.clock.now());
  const results: RunResult[] = [];
  const ordered = [...ctx.config.datasets].sort((a, b) => syncOrder.indexOf(a.name) - syncOrder.indexOf(b.name));
  for (const ds of ordered) {
    const r = await runDataset(ctx, ds, opts);
    results.push(r);
    onResult?.(r);
  }
  if (!opts.dryRun) {
    const ran = results.filter((r) => r.status !== 'skipped');
    const failed = ran.filter((r) => r.status !== 'success');
    await writeSyncLog(ctx.store, {
      eventType: 'full_sync_complete',
      status: failed.length ? 'error' : 'success',
      message: `${ran.length} dataset(s) synced, ${failed.length} with errors`,
      details: { datasets: Object.fromEntries(results.map((r) => [r.dataset, r.status])) },
      startTime: started,
      endTime: new Date(ctx.clock.now()),
    });
  }
  return results;
}

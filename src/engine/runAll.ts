import type { ResolvedDataset } from '../config/index.ts';
import { syncOrder } from '../datasets/index.ts';
import { pendingLogsFor, writeSyncLogsOrKeep } from '../store/pendingLogs.ts';
import type { RunContext, RunOptions } from './context.ts';
import { runCalendar } from './google/runCalendar.ts';
import { runContactsGoogle } from './google/runContactsGoogle.ts';
import { runGmail } from './google/runGmail.ts';
import { emptyResult, type RunResult } from './result.ts';
import { runOneWay } from './runOneWay.ts';
import { runTwoWay } from './runTwoWay.ts';

function skipped(ds: ResolvedDataset, opts: RunOptions, message: string, name = ds.name): RunResult {
  const r = emptyResult(name, opts.full ? 'full' : 'incremental', Boolean(opts.dryRun));
  r.status = 'skipped';
  r.message = message;
  return r;
}

const GOOGLE_HINT = 'Google is not configured (set GOOGLE_CLIENT_ID, GOOGLE_CLIENT_SECRET and GOOGLE_REFRESH_TOKEN)';

/**
 * Runs one dataset with the runner of its pattern, returning one result per step. Contacts is the
 * spec's three steps when Google is configured: Notion ⇄ Postgres, Google ⇄ Postgres, and
 * Notion ⇄ Postgres again to carry Google's changes to Notion (only when the Google step changed
 * something). A dataset that is not configured is skipped with a line that says what to set.
 */
export async function runDatasetSteps(ctx: RunContext, ds: ResolvedDataset, opts: RunOptions = {}): Promise<RunResult[]> {
  if (!ds.enabled) return [skipped(ds, opts, 'disabled in the config file')];
  switch (ds.pattern) {
    case 'calendar':
      return [ctx.google ? await runCalendar(ctx, ds, opts) : skipped(ds, opts, GOOGLE_HINT)];
    case 'gmail':
      return [ctx.google ? await runGmail(ctx, ds, opts) : skipped(ds, opts, GOOGLE_HINT)];
    case 'one-way':
      return [ds.databaseId ? await runOneWay(ctx, ds, opts) : skipped(ds, opts, `not configured (set ${ds.databaseIdEnv} to its Notion database id)`)];
    case 'two-way': {
      const results: RunResult[] = [];
      if (ds.databaseId) results.push(await runTwoWay(ctx, ds, opts));
      else results.push(skipped(ds, opts, `not configured (set ${ds.databaseIdEnv} to its Notion database id)`));
      if (ds.google !== 'people') return results;
      if (!ctx.google) return [...results, skipped(ds, opts, GOOGLE_HINT, `${ds.name}_google`)];
      const googleLeg = await runContactsGoogle(ctx, ds, opts);
      results.push(googleLeg);
      // Step 3 carries only what the Google step changed to Notion: those rows, by id — not a
      // second read of Notion (step 1 just did that).
      const changed = googleLeg.changedRecordIds ?? [];
      if (ds.databaseId && changed.length && !opts.dryRun) results.push(await runTwoWay(ctx, ds, { ...opts, full: false, recordIds: changed }));
      return results;
    }
  }
}

/** The single result of a dataset run (the last step's, for multi-step datasets, with any failure surfaced). */
export async function runDataset(ctx: RunContext, ds: ResolvedDataset, opts: RunOptions = {}): Promise<RunResult> {
  const steps = await runDatasetSteps(ctx, ds, opts);
  return steps.find((r) => r.status !== 'success' && r.status !== 'skipped') ?? steps[0]!;
}

/** `sync all`: every dataset in the spec's order, then one `full_sync_complete` row. */
export async function runAll(ctx: RunContext, opts: RunOptions = {}, onResult?: (r: RunResult) => void): Promise<RunResult[]> {
  const started = new Date(ctx.clock.now());
  const results: RunResult[] = [];
  // Datasets defined in the config file come after the built-in ones, in the config's order (the sort is stable).
  const rank = (name: string) => (syncOrder.includes(name) ? syncOrder.indexOf(name) : syncOrder.length);
  const ordered = [...ctx.config.datasets].sort((a, b) => rank(a.name) - rank(b.name));
  for (const ds of ordered) {
    for (const r of await runDatasetSteps(ctx, ds, opts)) {
      results.push(r);
      onResult?.(r);
    }
  }
  if (!opts.dryRun) {
    const ran = results.filter((r) => r.status !== 'skipped');
    const failed = ran.filter((r) => r.status !== 'success');
    // Kept for later, like the runs' own rows, when Postgres is unreachable (src/store/pendingLogs.ts).
    await writeSyncLogsOrKeep(ctx.store, pendingLogsFor(ctx.store), [
      {
        eventType: 'full_sync_complete',
        status: failed.length ? 'error' : 'success',
        message: `${ran.length} dataset run(s), ${failed.length} with errors`,
        details: { datasets: results.map((r) => ({ dataset: r.dataset, status: r.status })) },
        startTime: started,
        endTime: new Date(ctx.clock.now()),
      },
    ], ctx.logger);
  }
  return results;
}

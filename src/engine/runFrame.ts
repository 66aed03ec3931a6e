/**
 * What every dataset run shares: the per-dataset lock (a lease: src/store/leases.ts), timing,
 * turning a failure or a tripped valve into the run's status, and the sync_logs rows. The body
 * only syncs, through the context it is handed: its writes are fenced by the lease.
 */
import { randomUUID } from 'node:crypto';
import type { ResolvedDataset } from '../config/index.ts';
import { assertDatasetTable } from '../store/adoptTables.ts';
import { isConnectionFailure, pendingLogsFor, writeSyncLogsOrKeep } from '../store/pendingLogs.ts';
import { acquireLease, describeHolder, LeaseLostError } from '../store/leases.ts';
import { pruneSyncLogs } from '../store/changeLogs.ts';
import { RunChanges } from './changeLog.ts';
import type { RunContext, RunOptions } from './context.ts';
import { guardRunContext } from './leaseGuard.ts';
import { emptyResult, summarize, type RunResult } from './result.ts';
import { SafetyValveError } from './safetyValve.ts';

export async function runFramed(
  ctx: RunContext,
  ds: ResolvedDataset,
  opts: RunOptions,
  /** Syncs through `guarded` (ctx with lease-fenced store and connectors), never through ctx itself. */
  body: (result: RunResult, started: number, guarded: RunContext) => Promise<void>,
  /** The lock to hold; a dataset's steps that touch the same rows share one (contacts' Google step). */
  lockName = ds.name,
): Promise<RunResult> {
  const { store, notion, clock, logger } = ctx;
  const dryRun = Boolean(opts.dryRun);
  const started = clock.now();
  const requestsBefore = notion.stats.requests;
  const googleBefore = ctx.google?.stats.requests ?? 0;
  const result = emptyResult(ds.name, opts.full ? 'full' : 'incremental', dryRun);
  // The id of the run's summary row, known from the start: the change rows written during the run point at it.
  const runId = randomUUID();

  let acquired: Awaited<ReturnType<typeof acquireLease>>;
  try {
    acquired = await acquireLease(store, `dataset:${lockName}`, { ...ctx.lease, logger });
  } catch (e) {
    // Postgres unreachable before the run could start: still a failed run, counted by /health and
    // status (its log rows are kept until Postgres is back).
    if (!isConnectionFailure(e)) throw e;
    result.status = 'error';
    result.message = result.failure = (e as Error).message;
    result.durationMs = clock.now() - started;
    logger.error({ dataset: ds.name, err: result.message }, 'sync run failed');
    if (!dryRun) await logRun(ctx, ds, result, started, runId);
    return result;
  }
  if (!acquired.ok) {
    result.status = 'locked';
    const holder = acquired.holder ? ` (${describeHolder(acquired.holder, clock.now())})` : '';
    result.message = `another sync of ${lockName} is already running${holder}; try again when it finishes`;
    return result;
  }
  const lease = acquired.lease;
  const guarded: RunContext = { ...guardRunContext(ctx, lease), changes: new RunChanges(runId, ds.name, !dryRun) };
  try {
    try {
      // A table whose columns would lose data (or that migrate has not completed) stops the run before any read or write.
      await assertDatasetTable(store, ds);
      await body(result, started, guarded);
    } catch (e) {
      result.status = e instanceof SafetyValveError ? 'aborted' : 'error';
      result.message = (e as Error).message;
      result.failure = result.message;
      logger.error({ dataset: ds.name, err: (e as Error).message }, 'sync run failed');
    }
    result.notionRequests = notion.stats.requests - requestsBefore;
    result.googleRequests = (ctx.google?.stats.requests ?? 0) - googleBefore;
    result.durationMs = clock.now() - started;
    if (result.status === 'success' && result.errors.length) result.status = 'error';
    if (lease.lost) {
      // Record errors that the lost lease caused say less than the loss itself.
      result.status = 'error';
      result.message = (lease.signal.reason as LeaseLostError).message;
      result.failure = result.message;
    }
    if (!result.message) result.message = summarize(result);
    if (!dryRun) {
      await logRun(ctx, ds, result, started, runId);
      await pruneOldLogs(ctx);
    }
    return result;
  } finally {
    if (!(await lease.release()) && result.status !== 'error') {
      // Lost after the last write: the run's writes all passed their fence, but say it.
      logger.warn({ dataset: ds.name }, 'the lock was taken over just as the run finished');
    }
  }
}

/**
 * One summary row per run (`<dataset>_sync`), one per record error, warning and conflict — in one
 * statement. When Postgres is unreachable the rows are kept (src/store/pendingLogs.ts) instead of
 * failing the run a second time: /health and status count the run meanwhile, and the next
 * successful write writes them. Any other failure still throws.
 */
async function logRun(ctx: RunContext, ds: ResolvedDataset, r: RunResult, started: number, runId: string): Promise<void> {
  const { plan: _plan, errors, warnings, conflicts = [], ...counts } = r;
  const run = { runId, dataset: ds.name };
  await writeSyncLogsOrKeep(ctx.store, pendingLogsFor(ctx.store), [
    {
      id: runId,
      ...run,
      eventType: `${ds.name}_sync`,
      status: r.status === 'success' ? 'success' : 'error',
      message: r.message,
      details: { ...counts, errors: errors.length, warnings: warnings.length, conflicts: conflicts.length },
      startTime: new Date(started),
      endTime: new Date(ctx.clock.now()),
    },
    ...errors.slice(0, 500).map((e) => ({ ...run, eventType: `${ds.name}_record`, status: 'error' as const, message: e.error, details: { key: e.key, ...(e.keyIs ? { [e.keyIs]: e.key } : {}), kind: e.kind ?? null } })),
    ...warnings.slice(0, 500).map((w) => ({ ...run, eventType: `${ds.name}_record`, status: 'warning' as const, message: w })),
    ...conflicts.slice(0, 500).map((c) => ({
      ...run,
      eventType: `${ds.name}_conflict`,
      status: 'warning' as const,
      message: `${c.field}: changed in Notion and in Postgres; ${c.winner} wins (${c.reason})`,
      details: { record_id: c.recordId, notion_page_id: c.pageId, field: c.field, notion_value: c.notion, postgres_value: c.postgres, base_value: c.base ?? null, winner: c.winner, reason: c.reason },
    })),
  ], ctx.logger);
}

/**
 * The retention of sync_logs (sync.logRetentionDays): rows older than it are deleted, at most once
 * an hour across every process (pruneSyncLogs claims the turn in sync_state). Never fails the run.
 */
async function pruneOldLogs(ctx: RunContext): Promise<void> {
  try {
    // Measured on the database's clock, which stamps created_at.
    const deleted = await pruneSyncLogs(ctx.store, { retentionDays: ctx.config.sync.logRetentionDays });
    if (deleted) ctx.logger.info({ deleted, retentionDays: ctx.config.sync.logRetentionDays }, 'sync_logs rows past their retention deleted');
  } catch (e) {
    ctx.logger.warn({ err: (e as Error).message }, 'could not prune old sync_logs rows; tried again after a later run');
  }
}

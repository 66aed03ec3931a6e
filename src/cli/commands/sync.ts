import { requireNotionToken, type Config } from '../../config/index.ts';
import { runAll, runDatasetSteps } from '../../engine/runAll.ts';
import { resultsToJson, type RunResult } from '../../engine/result.ts';
import { randomUUID } from 'node:crypto';
import { systemClock, type Clock } from '../../lib/clock.ts';
import type { Logger } from '../../lib/logger.ts';
import { createDatabaseLedger, createNotifier } from '../../notify/index.ts';
import type { RunRecord } from '../../scheduler/runManager.ts';
import { redactString } from '../../store/index.ts';
import { createRunContext, openMigratedStore } from '../app.ts';
import { numberFlag, UsageError, type ParsedCommand } from '../args.ts';
import { printResult } from '../output.ts';
import { wrapStderrWrites } from '../../lib/terminal.ts';
import { createProgressDisplay, withReadProgress } from '../progress.ts';

const NOT_RUN = 'not run: interrupted (Ctrl-C)';

export interface SyncCommandDeps {
  /** The notification webhook's fetch (tests). */
  fetch?: typeof fetch;
  /** Time of the run's record and of the alert counts (tests). */
  clock?: Clock;
}

/**
 * `jarvis-sync sync <dataset|all>`: exit code 0 only when every run succeeded.
 *
 * Ctrl-C (SIGINT) or SIGTERM stops gracefully: the dataset step that is running finishes (its
 * writes, sync_logs row and cursor stay consistent), the datasets not started yet are skipped,
 * the store is closed — which releases the advisory locks — and the exit code is 130 (143 for
 * SIGTERM). A second Ctrl-C stops at once, like a crash the engine is built to survive: Postgres
 * drops the locks with the connection, and an interrupted record is retried next run.
 *
 * The finished run goes to the notifier like the service's runs do, counted in the database
 * (jarvis_sync.alerts): a problem that recurs across cron invocations notifies at its 5th
 * occurrence within the window, however many processes saw it.
 */
export async function syncCommand(
  cmd: ParsedCommand,
  config: Config,
  logger: Logger,
  out: (s: string) => void,
  deps: SyncCommandDeps = {},
): Promise<number> {
  const clock = deps.clock ?? systemClock;
  const target = cmd.positionals[0];
  const names = config.datasets.map((d) => d.name);
  if (!target) throw new UsageError(`sync needs a dataset: one of ${names.join(', ')}, or all`);
  if (cmd.positionals.length > 1) throw new UsageError(`sync takes one dataset (got ${cmd.positionals.join(' ')})`);
  const hours = numberFlag(cmd.flags, 'hours', { min: 0.01, max: 24 * 3650 });
  // As the endpoint does: a full run reads everything, which covers any window, so --full wins.
  const fullWins = hours !== undefined && Boolean(cmd.flags.full);
  // A copy of the datasets this run may switch off when interrupted; the caller's config stays as is.
  const runConfig: Config = { ...config, datasets: config.datasets.map((d) => ({ ...d })) };
  const ds = runConfig.datasets.find((d) => d.name === target);
  if (target !== 'all' && !ds) throw new UsageError(`unknown dataset "${target}": one of ${names.join(', ')}, or all`);
  const json = Boolean(cmd.flags.json);
  if (!config.google.credentials) requireNotionToken(config);

  if (fullWins) process.stderr.write(`jarvis-sync: --full wins over --hours ${hours}: a full run reads every record on both sides, so the window is not used\n`);
  const store = await openMigratedStore(config, logger);
  // The database ledger only: a one-shot process cannot count in memory (a problem that keeps the
  // database out of reach is reported by the exit code and the log, and by the service if one runs).
  const notifier = createNotifier({ config, logger, clock, fetch: deps.fetch, ledger: createDatabaseLedger(store) });
  const startedAt = new Date(clock.now()).toISOString();
  const display = createProgressDisplay({ stream: process.stderr, clock: systemClock });
  // Log lines go through the display: its progress line is cleared first and redrawn after.
  const unwrapLogs = wrapStderrWrites((write) => display.print(write));
  const wasEnabled = new Map(runConfig.datasets.map((d) => [d.name, d.enabled]));
  let signal: NodeJS.Signals | undefined;
  const onSignal = (sig: NodeJS.Signals) => {
    if (!signal) {
      signal = sig;
      display.print(() => process.stderr.write(`jarvis-sync: stopping — the current dataset step finishes, the rest are skipped (${sig === 'SIGINT' ? 'Ctrl-C' : sig} again stops at once)\n`));
      for (const d of runConfig.datasets) d.enabled = false;
      logger.info({ signal: sig }, 'sync interrupted: finishing the current step');
      return;
    }
    display.close();
    process.stderr.write('jarvis-sync: stopping now\n');
    const code = exitCodeFor(signal);
    const timeout = new Promise((resolve) => setTimeout(resolve, 2000).unref());
    void Promise.race([store.close().catch(() => undefined), timeout]).finally(() => process.exit(code));
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  try {
    const opts = {
      full: Boolean(cmd.flags.full),
      hours: fullWins ? undefined : hours,
      dryRun: Boolean(cmd.flags['dry-run']),
      force: Boolean(cmd.flags.force),
      onProgress: (p: Parameters<typeof display.update>[0]) => display.update(p),
    };
    const base = createRunContext(runConfig, store, logger);
    const ctx = { ...base, notion: await withReadProgress(base.notion, store, runConfig, opts.onProgress) };
    const print = (r: RunResult) => {
      if (signal && r.status === 'skipped' && wasEnabled.get(r.dataset.replace(/_google$/, '')) && r.message === 'disabled in the config file') r.message = NOT_RUN;
      display.finish(r.dataset);
      if (!json) display.print(() => printResult(r, out));
    };
    let results: RunResult[];
    try {
      results = ds ? await runDatasetSteps(ctx, ds, opts) : await runAll(ctx, opts, print);
    } catch (e) {
      await notifier.recordRun(runRecord(target, opts, startedAt, clock, [], e));
      throw e;
    }
    if (ds) results.forEach(print);
    await notifier.recordRun(runRecord(target, opts, startedAt, clock, results));
    display.close();
    const summary = resultsToJson(results);
    if (json) out(JSON.stringify(summary, null, 2));
    if (signal) return exitCodeFor(signal);
    return summary.status === 'success' ? 0 : 1;
  } finally {
    display.close();
    unwrapLogs();
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    await store.close();
  }
}

/** The run as the notifier sees the service's runs (RunManager.finish sets the same status). */
function runRecord(target: string, opts: { full: boolean; hours?: number; dryRun: boolean; force: boolean }, startedAt: string, clock: Clock, results: RunResult[], error?: unknown): RunRecord {
  const status: RunRecord['status'] =
    error !== undefined || results.some((r) => r.status === 'error' || r.status === 'locked')
      ? 'error'
      : results.some((r) => r.status === 'aborted')
        ? 'aborted'
        : 'success';
  return {
    id: randomUUID(),
    target,
    trigger: 'cli',
    status,
    startedAt,
    finishedAt: new Date(clock.now()).toISOString(),
    options: { full: opts.full, ...(opts.hours !== undefined ? { hours: opts.hours } : {}), dryRun: opts.dryRun, force: opts.force },
    results,
    ...(error !== undefined ? { error: redactString((error as Error)?.message ?? String(error)) } : {}),
  };
}

function exitCodeFor(signal: NodeJS.Signals): number {
  return signal === 'SIGTERM' ? 143 : 130;
}

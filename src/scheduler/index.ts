/**
 * The scheduler: cron expressions from config.schedule turned into runs through the RunManager.
 *
 *   all       incremental `sync all` (default every 15 minutes)
 *   full      `sync all --full` (default 03:00 daily; null disables it)
 *   datasets  per-dataset incremental runs, besides `all`
 *
 * Runs never overlap: the RunManager refuses a second run of a target that is running (the tick
 * is skipped with a log line), and across service instances sharing one database the engine's
 * per-dataset lease (src/store/leases.ts) turns a concurrent run into status `locked` — a skip, logged
 * as such, not an error.
 *
 * croner only computes fire times (its jobs stay paused); one timer of our own, injectable,
 * waits for the earliest. Tests drive it with fake timers and never wait. The timer never sleeps
 * longer than a minute at a time, so a suspended laptop or a clock change is noticed promptly and
 * setTimeout's 24.8-day limit never matters.
 */
import { Cron } from 'croner';
import { ConfigError, type Config } from '../config/index.ts';
import type { Clock } from '../lib/clock.ts';
import type { Logger } from '../lib/logger.ts';
import type { Timers } from '../lib/timers.ts';
import type { RunRecord, RunStarter } from './runManager.ts';

export type { RunRecord, RunStarter, RunTrigger } from './runManager.ts';
export type { Timers } from '../lib/timers.ts';

export interface SchedulerOptions {
  runs: RunStarter;
  config: Pick<Config, 'schedule'>;
  logger: Logger;
  clock?: Pick<Clock, 'now'>;
  timers?: Timers;
  /** Longest single wait before re-checking the time; default 60,000 ms. */
  maxSleepMs?: number;
}

export interface ScheduledRun {
  /** 'all', 'full', or the dataset name of a per-dataset schedule. */
  name: string;
  /** What is run: 'all' or a dataset. */
  target: string;
  full: boolean;
  /** The cron expression. */
  cron: string;
  /** Next fire time, ISO 8601 (UTC). null when the expression never fires again. */
  at: string | null;
}

export interface Scheduler {
  start(): void;
  /** Stops firing; runs already started continue (the RunManager owns them). */
  stop(): void;
  nextRuns(): ScheduledRun[];
}

interface Job {
  name: string;
  target: string;
  full: boolean;
  expression: string;
  cron: Cron;
  /** Epoch ms of the next fire time; null = never. */
  due: number | null;
}

const defaultTimers: Timers = {
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (h) => clearTimeout(h as ReturnType<typeof setTimeout>),
};

export function createScheduler(opts: SchedulerOptions): Scheduler {
  const { runs, logger } = opts;
  const schedule = opts.config.schedule;
  const clock = opts.clock ?? { now: () => Date.now() };
  const timers = opts.timers ?? defaultTimers;
  const maxSleepMs = opts.maxSleepMs ?? 60_000;
  const jobs = buildJobs(schedule);
  let timer: unknown;
  let running = false;

  const nextAfter = (job: Job, ms: number): number | null => job.cron.nextRun(new Date(ms))?.getTime() ?? null;

  function arm(): void {
    if (!running) return;
    const dues = jobs.map((j) => j.due).filter((d): d is number => d !== null);
    if (!dues.length) {
      logger.info('scheduler: no scheduled run will fire again');
      return;
    }
    const delay = Math.min(Math.max(0, Math.min(...dues) - clock.now()), maxSleepMs);
    timer = timers.setTimeout(tick, delay);
  }

  function tick(): void {
    timer = undefined;
    if (!running) return;
    const now = clock.now();
    const fired = jobs.filter((j) => j.due !== null && j.due <= now);
    // Next fire times are computed from now, not from the missed one: after a suspend, a job
    // that missed several ticks fires once, not once per missed tick.
    for (const j of fired) j.due = nextAfter(j, Math.max(j.due!, now));
    for (const j of coalesce(fired)) fire(j);
    arm();
  }

  /**
   * Jobs due at the same moment: a full `all` covers the incremental one, and `all` covers the
   * per-dataset runs (03:00 matches both `*\/15 * * * *` and `0 3 * * *`).
   */
  function coalesce(fired: Job[]): Job[] {
    const all = fired.find((j) => j.target === 'all' && j.full) ?? fired.find((j) => j.target === 'all');
    if (!all) return fired;
    for (const j of fired) {
      if (j !== all) logger.debug({ schedule: j.name, coveredBy: all.name }, `scheduler: ${j.name} is covered by ${all.name} due at the same time`);
    }
    return [all];
  }

  function fire(job: Job): void {
    const label = describe(job);
    let started: ReturnType<RunStarter['start']>;
    try {
      started = runs.start(job.target, job.full ? { full: true } : {}, 'schedule');
    } catch (e) {
      logger.error({ schedule: job.name, target: job.target, err: (e as Error).message }, `scheduled ${label} could not start: ${(e as Error).message}`);
      return;
    }
    if ('conflict' in started) {
      logger.info({ schedule: job.name, target: job.target, runningRun: started.conflict }, `scheduled ${label} skipped: still running (run ${started.conflict})`);
      return;
    }
    logger.info({ schedule: job.name, target: job.target, run: started.run.id }, `scheduled ${label} started`);
    started.done.then(
      (record) => reportFinished(job, label, record),
      (e: unknown) => logger.error({ schedule: job.name, target: job.target, run: started.run.id, err: (e as Error)?.message }, `scheduled ${label} failed`),
    );
  }

  function reportFinished(job: Job, label: string, record: RunRecord): void {
    const locked = record.results.filter((r) => r.status === 'locked').map((r) => r.dataset);
    if (locked.length) {
      logger.info(
        { schedule: job.name, run: record.id, datasets: locked },
        `scheduled ${label}: skipped ${locked.join(', ')} — another jarvis-sync instance is syncing ${locked.length > 1 ? 'them' : 'it'} (it holds the dataset's lease); a skip, not an error`,
      );
    }
    const failed = record.results.filter((r) => r.status === 'error' || r.status === 'aborted').map((r) => r.dataset);
    // Judged by the steps, not record.status: a RunManager may count a `locked` step as an error.
    const ok = !record.error && failed.length === 0;
    const fields = { schedule: job.name, run: record.id, status: record.status, ...(failed.length ? { failed } : {}), ...(record.error ? { err: record.error } : {}) };
    if (ok) logger.info(fields, `scheduled ${label} finished`);
    else logger.warn(fields, `scheduled ${label} finished with errors${failed.length ? ` (${failed.join(', ')})` : ''}`);
  }

  function nextRuns(): ScheduledRun[] {
    if (!schedule.enabled) return [];
    const now = clock.now();
    return jobs.map((j) => {
      const due = running ? j.due : nextAfter(j, now);
      return { name: j.name, target: j.target, full: j.full, cron: j.expression, at: due === null ? null : new Date(due).toISOString() };
    });
  }

  return {
    start() {
      if (running) return;
      if (!schedule.enabled) {
        logger.info('scheduler disabled (schedule.enabled is false): syncs run only on request');
        return;
      }
      running = true;
      const now = clock.now();
      for (const j of jobs) j.due = nextAfter(j, now);
      for (const r of nextRuns()) logger.info({ schedule: r.name, cron: r.cron, next: r.at }, `scheduler: ${r.name} (${r.cron}) next at ${r.at ?? 'never'}`);
      arm();
    },
    stop() {
      running = false;
      if (timer !== undefined) timers.clearTimeout(timer);
      timer = undefined;
    },
    nextRuns,
  };
}

function describe(job: Job): string {
  return `sync ${job.target}${job.full ? ' --full' : ''}`;
}

/** The jobs of a schedule; a bad expression or time zone throws (the config normally caught it). */
function buildJobs(schedule: Config['schedule']): Job[] {
  if (!schedule.enabled) return [];
  const specs: Array<Omit<Job, 'cron' | 'due'>> = [{ name: 'all', target: 'all', full: false, expression: schedule.all }];
  if (schedule.full) specs.push({ name: 'full', target: 'all', full: true, expression: schedule.full });
  for (const [dataset, expression] of Object.entries(schedule.datasets)) specs.push({ name: dataset, target: dataset, full: false, expression });
  return specs.map((s) => {
    const cron = new Cron(s.expression, { paused: true, ...(schedule.timezone ? { timezone: schedule.timezone } : {}) });
    try {
      cron.nextRun();
    } catch (e) {
      throw new ConfigError(`schedule.timezone "${schedule.timezone}" is not a valid IANA time zone (e.g. "Europe/Berlin"): ${(e as Error).message.split('.')[0]}`);
    }
    return { ...s, cron, due: null };
  });
}

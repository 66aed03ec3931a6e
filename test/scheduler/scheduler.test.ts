/**
 * The scheduler with fake timers: cron ticks fire runs through the RunManager contract, overlaps
 * are skipped with a log line, `locked` results are reported as skips, stop() stops. No test waits.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { Config } from '../../src/config/index.ts';
import type { RunOptions } from '../../src/engine/context.ts';
import { emptyResult, type RunResult } from '../../src/engine/result.ts';
import { createScheduler, type RunRecord, type RunStarter, type Timers } from '../../src/scheduler/index.ts';

const HOUR = 3_600_000;

function schedule(overrides: Partial<Config['schedule']> = {}): Pick<Config, 'schedule'> {
  return { schedule: { enabled: true, all: '*/15 * * * *', full: '0 3 * * *', datasets: {}, timezone: 'UTC', ...overrides } };
}

/** A logger that keeps every line, so tests can read what the operator would. */
function recordingLogger() {
  const lines: Array<{ level: string; msg: string; fields: Record<string, unknown> }> = [];
  const at =
    (level: string) =>
    (a: unknown, b?: string): void => {
      if (typeof a === 'string') lines.push({ level, msg: a, fields: {} });
      else lines.push({ level, msg: b ?? '', fields: a as Record<string, unknown> });
    };
  const logger = { info: at('info'), warn: at('warn'), error: at('error'), debug: at('debug'), trace: at('trace'), fatal: at('fatal') };
  return { logger: logger as any, lines, messages: (level?: string) => lines.filter((l) => !level || l.level === level).map((l) => l.msg) };
}

/**
 * A RunManager stand-in: refuses a target that is running (as the real one does). Runs finish when
 * the test says so (`finishAll`), or at once with `autoFinish`.
 */
function fakeRuns(opts: { autoFinish?: boolean; results?: (target: string) => RunResult[] } = {}) {
  const started: Array<{ target: string; opts: RunOptions; trigger: string }> = [];
  const running = new Map<string, { record: RunRecord; resolve: (r: RunRecord) => void }>();
  let n = 0;
  const finish = (target: string) => {
    const r = running.get(target);
    if (!r) return;
    running.delete(target);
    r.record.results = opts.results?.(target) ?? [emptyResult(target, 'incremental', false)];
    r.record.status = r.record.results.some((x) => x.status === 'error' || x.status === 'aborted') ? 'error' : 'success';
    r.record.finishedAt = new Date().toISOString();
    r.resolve(r.record);
  };
  const runs: RunStarter = {
    start(target, o, trigger) {
      const busy = running.get(target);
      if (busy) return { conflict: busy.record.id };
      started.push({ target, opts: o, trigger });
      const record: RunRecord = { id: `run-${++n}`, target, trigger, status: 'running', startedAt: new Date().toISOString(), options: o, results: [] };
      let resolve!: (r: RunRecord) => void;
      const done = new Promise<RunRecord>((res) => (resolve = res));
      running.set(target, { record, resolve });
      if (opts.autoFinish) queueMicrotask(() => finish(target));
      return { run: record, done };
    },
  };
  return { runs, started, finish, finishAll: () => [...running.keys()].forEach(finish), running };
}

describe('scheduler', () => {
  beforeEach(() => {
    vi.useFakeTimers();
    vi.setSystemTime(new Date('2026-01-05T10:00:00.000Z'));
  });
  afterEach(() => vi.useRealTimers());

  it('*/15 fires four times in an hour, each an incremental `sync all` triggered by the schedule', async () => {
    const { runs, started } = fakeRuns({ autoFinish: true });
    const { logger } = recordingLogger();
    const s = createScheduler({ runs, config: schedule(), logger });
    s.start();
    expect(started).toHaveLength(0); // nothing at start: the first tick is 10:15
    await vi.advanceTimersByTimeAsync(HOUR);
    expect(started).toEqual(Array.from({ length: 4 }, () => ({ target: 'all', opts: {}, trigger: 'schedule' })));
    s.stop();
  });

  it('the full pass fires nightly at 03:00 and replaces the incremental tick due at the same moment', async () => {
    const { runs, started } = fakeRuns({ autoFinish: true });
    const s = createScheduler({ runs, config: schedule(), logger: recordingLogger().logger });
    s.start();
    await vi.advanceTimersByTimeAsync(48 * HOUR);
    const full = started.filter((r) => r.opts.full);
    expect(full).toHaveLength(2);
    expect(full.every((r) => r.target === 'all')).toBe(true);
    // 4 per hour for 48 hours, minus the two 03:00 ticks the full pass covered.
    expect(started.filter((r) => !r.opts.full)).toHaveLength(48 * 4 - 2);
    s.stop();
  });

  it('reports the next fire time of every schedule, in the configured time zone', () => {
    const { runs } = fakeRuns();
    const s = createScheduler({ runs, config: schedule({ timezone: 'Europe/Berlin', datasets: { gmail: '*/5 * * * *' } }), logger: recordingLogger().logger });
    expect(s.nextRuns()).toEqual([
      { name: 'all', target: 'all', full: false, cron: '*/15 * * * *', at: '2026-01-05T10:15:00.000Z' },
      // 03:00 in Berlin (UTC+1 in January) is 02:00 UTC.
      { name: 'full', target: 'all', full: true, cron: '0 3 * * *', at: '2026-01-06T02:00:00.000Z' },
      { name: 'gmail', target: 'gmail', full: false, cron: '*/5 * * * *', at: '2026-01-05T10:05:00.000Z' },
    ]);
  });

  it('an overlapping tick is skipped with a log line; the next tick after the run ends starts again', async () => {
    const { runs, started, finish } = fakeRuns();
    const log = recordingLogger();
    const s = createScheduler({ runs, config: schedule(), logger: log.logger });
    s.start();
    await vi.advanceTimersByTimeAsync(15 * 60_000); // 10:15 starts run-1, which keeps running
    expect(started).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(30 * 60_000); // 10:30 and 10:45: still running
    expect(started).toHaveLength(1);
    expect(log.messages('info').filter((m) => m.includes('skipped: still running'))).toEqual([
      'scheduled sync all skipped: still running (run run-1)',
      'scheduled sync all skipped: still running (run run-1)',
    ]);
    finish('all');
    await vi.advanceTimersByTimeAsync(15 * 60_000); // 11:00
    expect(started).toHaveLength(2);
    s.stop();
  });

  it('per-dataset schedules run besides `all`; a tick where `all` is due too runs only `all`', async () => {
    const { runs, started } = fakeRuns({ autoFinish: true });
    const s = createScheduler({ runs, config: schedule({ full: null, datasets: { gmail: '*/5 * * * *' } }), logger: recordingLogger().logger });
    s.start();
    await vi.advanceTimersByTimeAsync(HOUR);
    expect(started.filter((r) => r.target === 'all')).toHaveLength(4);
    // 12 five-minute ticks, 4 of which coincide with `all` (which syncs gmail too).
    expect(started.filter((r) => r.target === 'gmail')).toHaveLength(8);
    s.stop();
  });

  it('a dataset locked by another instance is logged as a skip, not an error', async () => {
    const locked = emptyResult('books', 'incremental', false);
    locked.status = 'locked';
    const { runs } = fakeRuns({ autoFinish: true, results: () => [emptyResult('highlights', 'incremental', false), locked] });
    const log = recordingLogger();
    const s = createScheduler({ runs, config: schedule(), logger: log.logger });
    s.start();
    await vi.advanceTimersByTimeAsync(15 * 60_000);
    expect(log.messages('info')).toContain(
      "scheduled sync all: skipped books — another jarvis-sync instance is syncing it (it holds the dataset's lease); a skip, not an error",
    );
    expect(log.messages('info')).toContain('scheduled sync all finished');
    expect(log.messages('warn')).toEqual([]);
    expect(log.messages('error')).toEqual([]);
    s.stop();
  });

  it('stop() stops: no run starts afterwards and no timer is left', async () => {
    const { runs, started } = fakeRuns({ autoFinish: true });
    const s = createScheduler({ runs, config: schedule(), logger: recordingLogger().logger });
    s.start();
    await vi.advanceTimersByTimeAsync(20 * 60_000);
    expect(started).toHaveLength(1);
    s.stop();
    expect(vi.getTimerCount()).toBe(0);
    await vi.advanceTimersByTimeAsync(24 * HOUR);
    expect(started).toHaveLength(1);
  });

  it('disabled: nothing is scheduled', async () => {
    const { runs, started } = fakeRuns({ autoFinish: true });
    const log = recordingLogger();
    const s = createScheduler({ runs, config: schedule({ enabled: false }), logger: log.logger });
    s.start();
    await vi.advanceTimersByTimeAsync(24 * HOUR);
    expect(started).toHaveLength(0);
    expect(s.nextRuns()).toEqual([]);
    expect(log.messages()).toContain('scheduler disabled (schedule.enabled is false): syncs run only on request');
  });

  it('after a suspend it fires once for the missed ticks, then keeps the cadence', async () => {
    // Injected timers and clock: the "machine" sleeps through 10:15–10:45 and wakes at 10:50.
    let now = Date.parse('2026-01-05T10:00:00.000Z');
    const pending: Array<{ at: number; fn: () => void }> = [];
    const timers: Timers = {
      setTimeout: (fn, ms) => {
        const t = { at: now + ms, fn };
        pending.push(t);
        return t;
      },
      clearTimeout: (h) => void pending.splice(pending.indexOf(h as (typeof pending)[number]), 1),
    };
    const { runs, started } = fakeRuns({ autoFinish: true });
    const s = createScheduler({ runs, config: schedule({ full: null }), logger: recordingLogger().logger, clock: { now: () => now }, timers });
    s.start();
    now = Date.parse('2026-01-05T10:50:00.000Z');
    pending.shift()!.fn();
    expect(started).toHaveLength(1);
    expect(s.nextRuns()[0]!.at).toBe('2026-01-05T11:00:00.000Z');
    s.stop();
  });

  it('an invalid time zone is refused with a message that names the setting', () => {
    const { runs } = fakeRuns();
    expect(() => createScheduler({ runs, config: schedule({ timezone: 'Mars/Olympus' }), logger: recordingLogger().logger })).toThrow(
      /schedule.timezone "Mars\/Olympus" is not a valid IANA time zone/,
    );
  });
});

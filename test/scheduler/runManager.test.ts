/**
 * The RunManager: the one way runs start. Conflicts, records, notifications, history, shutdown.
 */
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { RunManager, ShuttingDownError, UnknownTargetError, type RunRecord } from '../../src/scheduler/runManager.ts';
import { ManualTimers } from '../../src/lib/timers.ts';
import type { Store } from '../../src/store/types.ts';
import { openTestStore, resetTables } from '../helpers/stores.ts';
import { createTwoWayHarness, type TwoWayHarness } from '../helpers/twoWayHarness.ts';
import { gateLocks } from '../server/helpers.ts';

describe('RunManager', () => {
  let store: Store;
  let h: TwoWayHarness;
  let gate: ReturnType<typeof gateLocks>;
  let timers: ManualTimers;
  let notified: RunRecord[];
  let runs: RunManager;
  beforeAll(async () => {
    store = await openTestStore('pglite');
  });
  afterAll(() => store.close());
  beforeEach(async () => {
    await resetTables(store);
    h = await createTwoWayHarness(store);
    gate = gateLocks(store);
    timers = new ManualTimers(h.clock);
    notified = [];
    runs = new RunManager({
      context: { ...h.ctx, store: gate.store },
      logger: h.ctx.logger,
      clock: h.clock,
      timers,
      notifier: { recordRun: async (r) => void notified.push(structuredClone(r)) },
    });
  });
  afterEach(async () => {
    gate.release();
    await runs.idle();
    await h.close();
  });

  it('registers a run synchronously and refuses a second one of the same dataset with its id', () => {
    const first = runs.start('journals', { full: true }, 'http');
    if (!('run' in first)) throw new Error('expected a run');
    expect(first.run).toEqual({ id: expect.any(String), target: 'journals', trigger: 'http', status: 'running', startedAt: '2026-03-02T09:00:00.000Z', options: { full: true }, results: [] });
    expect(runs.start('journals', {}, 'webhook')).toEqual({ conflict: first.run.id });
    expect(runs.start('all', {}, 'schedule')).toEqual({ conflict: first.run.id });
    expect(runs.running()).toEqual([first.run]);
    expect(runs.get(first.run.id)).toBe(first.run);
  });

  it('finishes a run: status, results, finishedAt, and one notification with the finished record', async () => {
    gate.release();
    const started = runs.start('reflections', {}, 'cli');
    if (!('run' in started)) throw new Error('expected a run');
    const record = await started.done;
    expect(record).toMatchObject({ status: 'success', finishedAt: expect.any(String), results: [expect.objectContaining({ dataset: 'reflections', created: 6 })] });
    expect(runs.running()).toEqual([]);
    await runs.notified();
    expect(notified).toHaveLength(1);
    expect(notified[0]).toMatchObject({ id: record.id, status: 'success', target: 'reflections' });
  });

  it('an `all` run collects one result per dataset step, in the spec order', async () => {
    gate.release();
    const started = runs.start('all', {}, 'schedule');
    if (!('run' in started)) throw new Error('expected a run');
    const record = await started.done;
    expect(record.results.map((r) => r.dataset)).toEqual(['contacts', 'contacts_google', 'meetings', 'tasks', 'reflections', 'journals', 'calendar', 'gmail', 'books', 'highlights']);
    expect(record.status).toBe('success');
  });

  it('a notifier that throws does not fail the run', async () => {
    gate.release();
    const failing = new RunManager({ context: h.ctx, logger: h.ctx.logger, clock: h.clock, notifier: { recordRun: async () => Promise.reject(new Error('slack is down')) } });
    const started = failing.start('journals', {}, 'http');
    if (!('run' in started)) throw new Error('expected a run');
    expect((await started.done).status).toBe('success');
    await failing.notified();
  });

  it('an unknown target throws; nothing is registered', () => {
    expect(() => runs.start('movies', {}, 'http')).toThrow(UnknownTargetError);
    expect(runs.list()).toEqual([]);
  });

  it('keeps the most recent finished runs (historySize), newest first', async () => {
    gate.release();
    const small = new RunManager({ context: h.ctx, logger: h.ctx.logger, clock: h.clock, historySize: 2 });
    const ids: string[] = [];
    for (const ds of ['journals', 'reflections', 'journals']) {
      const s = small.start(ds, {}, 'http');
      if (!('run' in s)) throw new Error('expected a run');
      ids.push(s.run.id);
      await s.done;
    }
    expect(small.list().map((r) => r.id)).toEqual([ids[2], ids[1]]);
    expect(small.get(ids[0]!)).toBeUndefined();
  });

  it('drain waits for running runs and refuses new ones', async () => {
    const started = runs.start('journals', {}, 'http');
    if (!('run' in started)) throw new Error('expected a run');
    const drained = runs.drain(30_000);
    expect(() => runs.start('reflections', {}, 'http')).toThrow(ShuttingDownError);
    gate.release();
    await drained;
    expect(runs.get(started.run.id)!.status).toBe('success');
    expect(notified.map((r) => r.id)).toEqual([started.run.id]);
  });

  it('drain gives up after its timeout and marks what still runs as aborted', async () => {
    const started = runs.start('journals', {}, 'http');
    if (!('run' in started)) throw new Error('expected a run');
    const drained = runs.drain(15_000);
    await timers.advance(15_000);
    await drained;
    expect(runs.get(started.run.id)).toMatchObject({ status: 'aborted', error: expect.stringMatching(/stopped before this run finished/), finishedAt: expect.any(String) });
    expect(runs.running()).toEqual([]);
    // The run itself goes on to its end without overwriting the record.
    gate.release();
    await started.done;
    expect(runs.get(started.run.id)!.status).toBe('aborted');
  });
});

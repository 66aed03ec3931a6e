/**
 * The lag of a change a webhook announced (issue 15, point 5): from the time the webhook gives (a
 * Notion event's timestamp; for Google Calendar's push, its arrival) to the end of the run that
 * wrote it, reported to the freshness registry — only for changes that run wrote (its dataset step
 * succeeded, the page was no record error), never for what a poll found (the pollers measure those).
 */
import { describe, expect, it } from 'vitest';
import { FakeClock } from '../../src/lib/clock.ts';
import { silentLogger } from '../../src/lib/logger.ts';
import { ManualTimers } from '../../src/lib/timers.ts';
import type { RunRecord } from '../../src/scheduler/runManager.ts';
import { WebhookDispatcher } from '../../src/server/webhooks/index.ts';

interface Started {
  target: string;
  pageIds: string[] | undefined;
  trigger: string;
  finish(status: string, errorKeys?: string[]): void;
}

function harness() {
  const clock = new FakeClock('2026-03-02T09:00:00.000Z');
  const timers = new ManualTimers(clock);
  const started: Started[] = [];
  const lags: Array<{ dataset: string; source: string; lagMs: number }> = [];
  const runs = {
    start(target: string, opts: { pageIds?: string[] }, trigger: string) {
      let resolve!: (r: RunRecord) => void;
      const done = new Promise<RunRecord>((r) => (resolve = r));
      started.push({
        target,
        pageIds: opts.pageIds,
        trigger,
        finish: (status, errorKeys = []) =>
          resolve({ finishedAt: new Date(clock.now()).toISOString(), results: [{ dataset: target, status, errors: errorKeys.map((key) => ({ key })) }] } as unknown as RunRecord),
      });
      return { run: { id: `run-${started.length}` }, done } as never;
    },
    whenDone: async () => undefined,
  };
  const dispatcher = new WebhookDispatcher({
    runs: runs as never,
    timers,
    settleMs: 1_000,
    logger: silentLogger,
    now: () => clock.now(),
    lags: { recordLag: (dataset, source, changedAt, writtenAt) => lags.push({ dataset, source, lagMs: writtenAt - changedAt }) },
  });
  return { clock, timers, started, lags, dispatcher };
}

describe('webhook lag', () => {
  it('from the event’s time to the end of the run that wrote the page; a polled page and a record error are not measured', async () => {
    const h = harness();
    const t0 = h.clock.now();
    h.dispatcher.touchPage('meetings', 'page-a', 'webhook', t0 - 2_000); // Notion says: made 2 s before it arrived
    h.dispatcher.touchPage('meetings', 'page-b', 'poll');
    h.dispatcher.touchPage('meetings', 'page-c', 'webhook', t0 - 500);
    await h.timers.advance(1_000);
    expect(h.started.map((s) => [s.target, s.pageIds, s.trigger])).toEqual([['meetings', ['page-a', 'page-b', 'page-c'], 'webhook']]);
    h.clock.advance(700); // the run takes 0.7 s
    h.started[0]!.finish('success', ['page-c']);
    await h.dispatcher.idle();
    expect(h.lags).toEqual([{ dataset: 'meetings', source: 'notion', lagMs: 3_700 }]);
  });

  it('a page still settling waits for its own run; a failed step measures nothing', async () => {
    const h = harness();
    h.dispatcher.touchPage('tasks', 'page-a', 'webhook', h.clock.now());
    await h.timers.advance(600);
    h.dispatcher.touchPage('tasks', 'page-b', 'webhook', h.clock.now());
    await h.timers.advance(400); // a settles, b does not
    expect(h.started.map((s) => s.pageIds)).toEqual([['page-a']]);
    h.started[0]!.finish('error');
    await h.dispatcher.idle();
    expect(h.lags).toEqual([]);
    await h.timers.advance(600);
    expect(h.started.map((s) => s.pageIds)).toEqual([['page-a'], ['page-b']]);
    h.started[1]!.finish('success');
    await h.dispatcher.idle();
    expect(h.lags).toEqual([{ dataset: 'tasks', source: 'notion', lagMs: 1_000 }]);
  });

  it("Google Calendar's push: measured from its arrival, source google; a poll's whole-dataset run is not measured here", async () => {
    const h = harness();
    h.dispatcher.touchDataset('calendar');
    h.dispatcher.touchDataset('gmail', 'poll');
    await h.timers.advance(1_000);
    expect(h.started.map((s) => [s.target, s.trigger])).toEqual([
      ['calendar', 'webhook'],
      ['gmail', 'poll'],
    ]);
    h.clock.advance(300);
    for (const s of h.started) s.finish('success');
    await h.dispatcher.idle();
    expect(h.lags).toEqual([{ dataset: 'calendar', source: 'google', lagMs: 1_300 }]);
  });
});

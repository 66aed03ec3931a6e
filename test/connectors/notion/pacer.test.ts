import { describe, expect, it } from 'vitest';
import { Pacer } from '../../../src/connectors/notion/pacer.ts';
import { FakeClock, type Clock } from '../../../src/lib/clock.ts';
import { RateLimiter } from '../../../emulators/shared/rate-limit.ts';
import { DS_ID, json, list, page, setup, uuid } from './mock-notion.ts';

/**
 * FakeClock's sleep() moves shared time forward at once, which serializes concurrent sleepers;
 * to see concurrent callers' own waits this clock only moves when told to.
 */
class TimerClock implements Clock {
  private t = 0;
  private timers: Array<{ at: number; resolve: () => void }> = [];
  now() {
    return this.t;
  }
  sleep(ms: number) {
    return new Promise<void>((resolve) => this.timers.push({ at: this.t + ms, resolve }));
  }
  async runAll() {
    while (this.timers.length) {
      this.timers.sort((a, b) => a.at - b.at);
      const next = this.timers.shift()!;
      this.t = next.at;
      next.resolve();
      await Promise.resolve();
    }
  }
}

/** Most requests seen in any window [t, t + windowMs). */
function maxInWindow(times: number[], windowMs: number): number {
  let best = 0;
  for (const t of times) best = Math.max(best, times.filter((u) => u >= t && u < t + windowMs).length);
  return best;
}

describe('Pacer (token bucket on the injected clock)', () => {
  it('lets a burst through, then holds 3 requests/second over 30 requests', async () => {
    const clock = new FakeClock(0);
    const pacer = new Pacer({ clock, requestsPerSecond: 3 });
    const times: number[] = [];
    let waited = 0;
    for (let i = 0; i < 30; i++) {
      waited += await pacer.take();
      times.push(clock.now());
    }
    expect(times.slice(0, 3)).toEqual([0, 0, 0]); // burst = rate = 3
    // After the burst, one request every 333⅓ ms: the 30th goes at 27 intervals = 9 s.
    expect(times[29]).toBe(9000);
    expect(waited).toBe(9000);
    // Long-run rate: n requests never take less than (n - burst) / rate seconds.
    times.forEach((t, i) => expect(t).toBeGreaterThanOrEqual(Math.max(0, i - 2) * (1000 / 3)));
  });

  it('with burst 1, no one-second window ever holds more than 3 requests', async () => {
    const clock = new FakeClock(0);
    const pacer = new Pacer({ clock, requestsPerSecond: 3, burst: 1 });
    const times: number[] = [];
    for (let i = 0; i < 30; i++) {
      await pacer.take();
      times.push(clock.now());
    }
    expect(maxInWindow(times, 1000 - 1e-6)).toBeLessThanOrEqual(3);
  });

  it('queues concurrent callers each into their own slot', async () => {
    const clock = new TimerClock();
    const pacer = new Pacer({ clock, requestsPerSecond: 2, burst: 2 });
    const all = Promise.all(Array.from({ length: 6 }, () => pacer.take()));
    await clock.runAll();
    const waits = await all;
    expect(waits).toEqual([0, 0, 500, 1000, 1500, 2000]);
  });

  it('refills after a quiet period, up to the burst', async () => {
    const clock = new FakeClock(0);
    const pacer = new Pacer({ clock, requestsPerSecond: 3, burst: 5 });
    for (let i = 0; i < 5; i++) expect(await pacer.take()).toBe(0);
    clock.advance(10_000);
    const waits = [];
    for (let i = 0; i < 6; i++) waits.push(await pacer.take());
    expect(waits.slice(0, 5)).toEqual([0, 0, 0, 0, 0]);
    expect(waits[5]).toBe(334); // 333⅓ rounded up to a whole millisecond
  });

  it('holdUntil makes everyone wait, then resumes at the sustained rate without a burst', async () => {
    const clock = new TimerClock();
    const pacer = new Pacer({ clock, requestsPerSecond: 2 });
    pacer.holdUntil(5000);
    const all = Promise.all([pacer.take(), pacer.take(), pacer.take()]);
    await clock.runAll();
    const waits = await all;
    expect(waits).toEqual([5000, 5500, 6000]);
  });

  it('moves its schedule by how late the first request after a quiet period reached the server: no 429 from the server’s bucket', async () => {
    // The server's bucket (the emulators' limiter: 3/s, burst 3) starts counting when the first
    // request *arrives*; here the first request reaches it 40 ms after it is sent (a new
    // connection), the others 2 ms after; each is answered 20 ms later. Sequential requests,
    // like a paginated query.
    const run = async (reportAnswers: boolean) => {
      const clock = new FakeClock(0);
      const pacer = new Pacer({ clock, requestsPerSecond: 3 });
      const server = new RateLimiter(clock);
      server.set({ requestsPerSecond: 3, burst: 3 });
      let refused = 0;
      for (let i = 0; i < 30; i++) {
        const slot = await pacer.acquire();
        clock.advance(i === 0 ? 40 : 2);
        if (server.take('token') > 0) refused++;
        clock.advance(20);
        if (reportAnswers) slot.answered();
      }
      return { refused, elapsed: clock.now() };
    };
    expect((await run(false)).refused).toBeGreaterThan(0); // the uncorrected schedule is early by the 40 ms
    const corrected = await run(true);
    expect(corrected.refused).toBe(0);
    // And it costs that first round trip once: 27 paced intervals after the burst of 3, plus the
    // first request's 60 ms and the last request's 22 ms.
    expect(corrected.elapsed).toBeLessThanOrEqual(27 * (1000 / 3) + 60 + 22 + 1);
  });

  it('caps the correction at one interval: a slow answer is not a late arrival', async () => {
    const clock = new FakeClock(0);
    const pacer = new Pacer({ clock, requestsPerSecond: 3 });
    const first = await pacer.acquire();
    clock.advance(30_000); // a 30-second answer
    first.answered();
    const started = clock.now();
    for (let i = 0; i < 3; i++) (await pacer.acquire()).answered();
    expect(clock.now() - started).toBe(0); // idle for 30 s: the next burst goes at once
  });

  it('rejects nonsense rates', () => {
    expect(() => new Pacer({ clock: new FakeClock(0), requestsPerSecond: 0 })).toThrow(RangeError);
    expect(() => new Pacer({ clock: new FakeClock(0), burst: 0 })).toThrow(RangeError);
  });
});

describe('pacing inside the connector', () => {
  it('paces every HTTP request and accounts the waiting in stats.waitedMs', async () => {
    const { clock, mock, notion } = setup();
    mock.on('GET /v1/pages/:id', (req) => json(page(req.params.id!)));
    const start = clock.now();
    for (let i = 0; i < 30; i++) await notion.retrievePage(uuid(1000 + i));
    expect(notion.stats.requests).toBe(30);
    expect(notion.stats.byEndpoint['GET /v1/pages/:id']).toBe(30);
    expect(notion.stats.waitedMs).toBe(9000);
    expect(clock.now() - start).toBe(9000);
    const times = mock.calls.map((c) => c.at);
    times.forEach((t, i) => expect(t - start).toBeGreaterThanOrEqual(Math.max(0, i - 2) * (1000 / 3)));
  });

  it('paces query pages too', async () => {
    const { mock, notion } = setup({ requestsPerSecond: 1, burst: 1 });
    let n = 0;
    mock.on('POST /v1/data_sources/:id/query', () => {
      n++;
      return json(list([page(uuid(2000 + n))], n < 4 ? `cursor-${n}` : null));
    });
    const pages = [];
    for await (const p of notion.queryPages(DS_ID)) pages.push(p);
    expect(pages).toHaveLength(4);
    const times = mock.calls.map((c) => c.at);
    expect(times.map((t) => t - times[0]!)).toEqual([0, 1000, 2000, 3000]);
    expect(notion.stats.waitedMs).toBe(3000);
  });
});

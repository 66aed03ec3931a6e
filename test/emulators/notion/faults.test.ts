/** Fault injection: seeded, filterable, and faithful to what the SDK sees from a failing Notion. */
import { APIResponseError, UnknownHTTPResponseError } from '@notionhq/client';
import { afterEach, describe, expect, it } from 'vitest';
import { seededRandom } from '../../../emulators/notion/ids.ts';
import { BOOKS_DS, smallSeed, start, title, type Started } from './helpers.ts';

let t: Started;
afterEach(async () => {
  await t.emulator.close();
});

async function outcome(p: Promise<unknown>): Promise<string> {
  try {
    await p;
    return 'ok';
  } catch (e: any) {
    if (APIResponseError.isAPIResponseError(e)) return `${e.status}:${e.code}`;
    if (UnknownHTTPResponseError.isUnknownHTTPResponseError(e)) return `${e.status}:unknown`;
    return 'network';
  }
}

describe('fault injection', () => {
  it('fails roughly `rate` of requests, picking among the configured statuses, reproducibly', async () => {
    const run = async () => {
      t = await start({ seed: smallSeed(), random: seededRandom(42) });
      t.emulator.setFaults({ rate: 0.3, statuses: [500, 503, 529] });
      const results: string[] = [];
      for (let i = 0; i < 300; i++) results.push(await outcome(t.client.users.me({})));
      const injected = t.emulator.faultsInjected;
      await t.emulator.close();
      return { results, injected };
    };
    const a = await run();
    const b = await run();
    expect(a.results).toEqual(b.results); // same seed, same campaign
    const failures = a.results.filter((r) => r !== 'ok');
    expect(failures.length).toBe(a.injected);
    expect(failures.length).toBeGreaterThan(60);
    expect(failures.length).toBeLessThan(120);
    expect(new Set(failures)).toEqual(new Set(['500:internal_server_error', '503:service_unavailable', '529:service_overload']));
    t = await start();
  });

  it('each injectable status reaches the SDK as Notion would send it', async () => {
    t = await start({ seed: smallSeed() });
    const seen: Record<number, string> = {};
    for (const status of [409, 429, 500, 502, 503, 504, 529]) {
      t.emulator.setFaults({ rate: 1, statuses: [status] });
      seen[status] = await outcome(t.client.users.me({}));
    }
    expect(seen).toEqual({
      409: '409:conflict_error',
      429: '429:rate_limited',
      500: '500:internal_server_error',
      502: '502:unknown', // an HTML page from the proxy: the SDK cannot parse it
      503: '503:service_unavailable',
      504: '504:gateway_timeout',
      529: '529:service_overload',
    });
    t.emulator.setFaults({ rate: 1, statuses: [429] });
    const e: any = await t.client.users.me({}).catch((x) => x);
    expect(e.headers.get('retry-after')).toBe('1');
  });

  it('a dropped connection is a network error, not an API error', async () => {
    t = await start({ seed: smallSeed() });
    t.emulator.setFaults({ rate: 1, statuses: [], drop: true });
    const e: any = await t.client.users.me({}).catch((x) => x);
    expect(APIResponseError.isAPIResponseError(e)).toBe(false);
    expect(e).toBeInstanceOf(TypeError); // undici: "fetch failed"
    expect(t.emulator.faultsInjected).toBe(1);
  });

  it('a faulted write is not applied, unless commitThenFail', async () => {
    t = await start({ seed: smallSeed() });
    t.emulator.setFaults({ rate: 1, statuses: [504], only: /^POST \/v1\/pages$/ });
    expect(await outcome(t.client.pages.create({ parent: { data_source_id: BOOKS_DS }, properties: { Title: title('Lost') } }))).toBe('504:gateway_timeout');
    expect(t.emulator.listPages(BOOKS_DS)).toHaveLength(2);
    // `only` spares other endpoints.
    expect(await outcome(t.client.dataSources.query({ data_source_id: BOOKS_DS }))).toBe('ok');

    t.emulator.setFaults({ rate: 1, statuses: [504], only: /^POST \/v1\/pages$/, commitThenFail: true });
    expect(await outcome(t.client.pages.create({ parent: { data_source_id: BOOKS_DS }, properties: { Title: title('Ghost') } }))).toBe('504:gateway_timeout');
    const titles = t.emulator.listPages(BOOKS_DS).map((p) => p.properties.Title.title[0]?.plain_text);
    expect(titles).toContain('Ghost');
    // Reads under commitThenFail just fail.
    t.emulator.setFaults({ rate: 1, statuses: [500], commitThenFail: true });
    expect(await outcome(t.client.dataSources.query({ data_source_id: BOOKS_DS }))).toBe('500:internal_server_error');
    t.emulator.setFaults(null);
    expect(await outcome(t.client.users.me({}))).toBe('ok');
  });

  it('latency is spent on the emulator clock', async () => {
    t = await start({ seed: smallSeed() });
    t.emulator.setFaults({ rate: 0, latencyMs: 5_000 });
    const before = t.clock.now();
    await t.client.users.me({});
    expect(t.clock.now() - before).toBe(5_000);
  });
});

/** Fault injection and rate limiting, as the official clients (gaxios) see them. */
import { people } from '@googleapis/people';
import { afterEach, describe, expect, it } from 'vitest';
import { seededRandom } from '../../../emulators/google/index.ts';
import { gaxiosError, start, type HttpError, type Started } from './helpers.ts';

let t: Started;
afterEach(async () => {
  await t.emulator.close();
});

async function outcome(p: Promise<unknown>): Promise<string> {
  try {
    await p;
    return 'ok';
  } catch (e: any) {
    if (e?.response) {
      const err = e.response.data?.error;
      return `${e.status}:${err?.errors?.[0]?.reason ?? err?.status ?? 'html'}`;
    }
    return 'network';
  }
}

describe('fault injection', () => {
  it('fails roughly `rate` of requests with the configured statuses, reproducibly', async () => {
    const run = async () => {
      t = await start({ random: seededRandom(42) });
      await t.auth.getAccessToken(); // the token request is not part of the campaign below
      t.emulator.setFaults({ rate: 0.3, statuses: [403, 500, 503], only: /^GET \/calendar\// });
      const results: string[] = [];
      for (let i = 0; i < 200; i++) results.push(await outcome(t.cal.events.list({ calendarId: 'primary' })));
      const injected = t.emulator.faultsInjected;
      await t.emulator.close();
      return { results, injected };
    };
    const a = await run();
    const b = await run();
    expect(a.results).toEqual(b.results);
    const failures = a.results.filter((r) => r !== 'ok');
    expect(failures.length).toBe(a.injected);
    expect(failures.length).toBeGreaterThan(35);
    expect(failures.length).toBeLessThan(85);
    expect(new Set(failures)).toEqual(new Set(['403:rateLimitExceeded', '500:backendError', '503:backendError']));
    t = await start();
  });

  it('each injectable status reaches the clients in the style of the API called', async () => {
    t = await start();
    await t.auth.getAccessToken();
    const seen: Record<string, string> = {};
    for (const status of [403, 429, 500, 502, 503, 504]) {
      t.emulator.setFaults({ rate: 1, statuses: [status], only: /^GET / });
      seen[`cal ${status}`] = await outcome(t.cal.events.list({ calendarId: 'primary' }));
      seen[`ppl ${status}`] = await outcome(t.pp.people.connections.list({ resourceName: 'people/me', personFields: 'names' }));
    }
    expect(seen).toEqual({
      'cal 403': '403:rateLimitExceeded',
      'ppl 403': '403:PERMISSION_DENIED',
      'cal 429': '429:rateLimitExceeded',
      'ppl 429': '429:RESOURCE_EXHAUSTED',
      'cal 500': '500:backendError',
      'ppl 500': '500:INTERNAL',
      'cal 502': '502:html',
      'ppl 502': '502:html',
      'cal 503': '503:backendError',
      'ppl 503': '503:UNAVAILABLE',
      'cal 504': '504:backendError',
      'ppl 504': '504:DEADLINE_EXCEEDED',
    });
    t.emulator.setFaults({ rate: 1, drop: true, statuses: [] });
    expect(await outcome(t.gm.users.getProfile({ userId: 'me' }))).toBe('network');
    t.emulator.setFaults(null);
    expect(await outcome(t.gm.users.getProfile({ userId: 'me' }))).toBe('ok');
    expect(() => t.emulator.setFaults({ rate: 1, statuses: [418] })).toThrow(/418/);
  });

  it('a faulted write is not applied, unless commitThenFail', async () => {
    t = await start();
    t.emulator.setFaults({ rate: 1, statuses: [503], only: /createContact/ });
    const body = { requestBody: { names: [{ givenName: 'Ghost' }] } };
    expect((await gaxiosError(t.pp.people.createContact(body))).status).toBe(503);
    expect(t.emulator.people.listPeople()).toHaveLength(0);
    t.emulator.setFaults({ rate: 1, statuses: [503], only: /createContact/, commitThenFail: true });
    expect((await gaxiosError(t.pp.people.createContact(body))).status).toBe(503);
    expect(t.emulator.people.listPeople().map((p) => p.names![0]!.givenName)).toEqual(['Ghost']);
    expect(t.emulator.faultsInjected).toBe(2);
  });

  it('latencyMs delays matching requests on the emulator clock', async () => {
    t = await start();
    await t.auth.getAccessToken();
    t.emulator.setFaults({ rate: 0, latencyMs: 1500, only: /^GET \/gmail\// });
    await t.gm.users.getProfile({ userId: 'me' });
    await t.cal.events.list({ calendarId: 'primary' });
    expect(t.clock.slept).toBe(1500);
  });

  it('gaxios retries 503s by itself when retries are on (GET only)', async () => {
    t = await start({ random: seededRandom(7) });
    const pp = people({ version: 'v1', auth: t.auth, rootUrl: `${t.url}/`, retryConfig: { retry: 3, retryDelay: 1, retryDelayMultiplier: 1, noResponseRetries: 0 } });
    await t.auth.getAccessToken();
    t.emulator.setFaults({ rate: 0.5, statuses: [503], only: /^GET \/v1\/people\/me\/connections$/ });
    for (let i = 0; i < 5; i++) {
      const res = await pp.people.connections.list({ resourceName: 'people/me', personFields: 'names' }).catch((e) => e);
      expect([200, 503]).toContain(res.status);
    }
    expect(t.emulator.requestCounts['GET /v1/people/me/connections']).toBeGreaterThan(5);
  });
});

describe('rate limiting', () => {
  it('Calendar and Gmail answer 403 userRateLimitExceeded, People 429 RESOURCE_EXHAUSTED; buckets refill on the clock', async () => {
    t = await start({ rateLimit: { requestsPerSecond: 2, burst: 2 } });
    await t.auth.getAccessToken(); // POST /token is not limited
    expect(await outcome(t.cal.events.list({ calendarId: 'primary' }))).toBe('ok');
    expect(await outcome(t.gm.users.getProfile({ userId: 'me' }))).toBe('ok');
    const cal = await gaxiosError(t.cal.events.list({ calendarId: 'primary' }));
    expect(cal.status).toBe(403);
    expect(cal.response!.data.error.errors[0]).toEqual({ domain: 'usageLimits', reason: 'userRateLimitExceeded', message: 'User Rate Limit Exceeded' });
    const mail = await gaxiosError(t.gm.users.getProfile({ userId: 'me' }));
    expect(mail.response!.data.error.errors[0].reason).toBe('userRateLimitExceeded');
    const ppl = await gaxiosError(t.pp.people.connections.list({ resourceName: 'people/me', personFields: 'names' }));
    expect(ppl.status).toBe(429);
    expect(ppl.response!.data.error.status).toBe('RESOURCE_EXHAUSTED');
    t.clock.advance(1000);
    expect(await outcome(t.pp.people.connections.list({ resourceName: 'people/me', personFields: 'names' }))).toBe('ok');
    t.emulator.setRateLimit(null);
    for (let i = 0; i < 5; i++) expect(await outcome(t.gm.users.getProfile({ userId: 'me' }))).toBe('ok');
  });

  /** gaxios hands fetch Headers (or a plain object, depending on its version). */
  const retryAfterOf = (e: HttpError): string | undefined => {
    const h = e.response!.headers;
    return (typeof h?.get === 'function' ? h.get('retry-after') : h?.['retry-after']) ?? undefined;
  };

  it('Calendar rate-limit answers carry Retry-After: the limiter says how long until a token is back, injected 403/429 say one second', async () => {
    t = await start({ rateLimit: { requestsPerSecond: 0.25, burst: 1 } });
    expect(await outcome(t.cal.events.list({ calendarId: 'primary' }))).toBe('ok');
    const limited = await gaxiosError(t.cal.events.list({ calendarId: 'primary' }));
    expect(limited.status).toBe(403);
    expect(retryAfterOf(limited)).toBe('4');
    t.clock.advance(3000);
    expect(retryAfterOf(await gaxiosError(t.cal.events.list({ calendarId: 'primary' })))).toBe('1');
    t.emulator.setRateLimit(null);
    for (const status of [403, 429]) {
      t.emulator.setFaults({ rate: 1, statuses: [status], only: /^GET \/calendar\// });
      const e = await gaxiosError(t.cal.events.list({ calendarId: 'primary' }));
      expect([e.status, e.response!.data.error.errors[0].reason, retryAfterOf(e)]).toEqual([status, 'rateLimitExceeded', '1']);
    }
    // Other failures carry none.
    t.emulator.setFaults({ rate: 1, statuses: [503], only: /^GET \/calendar\// });
    expect(retryAfterOf(await gaxiosError(t.cal.events.list({ calendarId: 'primary' })))).toBeUndefined();
  });

  it('counts requests per endpoint key', async () => {
    t = await start();
    await t.cal.events.list({ calendarId: 'primary' });
    await t.gm.users.messages.list({ userId: 'me' });
    await t.gm.users.history.list({ userId: 'me', startHistoryId: t.emulator.gmail.historyId });
    await t.pp.people.connections.list({ resourceName: 'people/me', personFields: 'names' });
    expect(t.emulator.requestCounts).toEqual({
      'POST /token': 1,
      'GET /calendar/v3/calendars/:id/events': 1,
      'GET /gmail/v1/users/me/messages': 1,
      'GET /gmail/v1/users/me/history': 1,
      'GET /v1/people/me/connections': 1,
    });
    expect(t.emulator.totalRequests()).toBe(5);
    t.emulator.resetCounts();
    expect(t.emulator.totalRequests()).toBe(0);
  });
});

/**
 * The one retry policy: what is retried, after how long (on the FakeClock), and what is not —
 * with gaxios's and OAuth2Client's own retries shown to be off.
 */
import { afterEach, describe, expect, it } from 'vitest';
import {
  DEFAULT_RETRY_POLICY,
  GoogleSyncError,
  decideRetry,
  type RequestKind,
} from '../../../src/connectors/google/index.ts';
import { apiCalls, closeAll, ok, rpcError, setup, v1Error } from './mock-google.ts';

afterEach(closeAll);

async function caught(p: Promise<unknown>): Promise<GoogleSyncError> {
  try {
    await p;
  } catch (e) {
    expect(e).toBeInstanceOf(GoogleSyncError);
    return e as GoogleSyncError;
  }
  throw new Error('expected a rejection');
}

const EVENTS = 'GET /calendar/v3/calendars/{calendarId}/events';
const CREATE = 'POST /v1/people:createContact';
const UPDATE = 'PATCH /v1/people/{id}:updateContact';
const DELETE = 'DELETE /v1/people/{id}:deleteContact';
const PERSON = { metadata: { sources: [{ type: 'CONTACT', id: '1', etag: '#e1' }] }, names: [{ givenName: 'Ada' }] };
const lastPage = ok({ items: [{ id: 'e1' }], nextSyncToken: 'sync-1' });

describe('rate limits are always retried', () => {
  it('429 with Retry-After: the clock advances by exactly that, then the list succeeds', async () => {
    const { clock, mock, google } = await setup();
    mock.on(EVENTS, [rpcError(429, 'RESOURCE_EXHAUSTED', 'slow down', undefined, { 'retry-after': '3' }), lastPage]);
    const start = clock.now();
    const { events } = await google.calendar.listEvents('primary', {});
    expect(events).toEqual([{ id: 'e1' }]);
    const calls = apiCalls(mock);
    expect(calls).toHaveLength(2);
    expect(calls[1]!.at - calls[0]!.at).toBe(3000);
    expect(clock.now() - start).toBe(3000);
    expect(google.stats).toMatchObject({ rateLimited: 1, retries: 1, waitedMs: 3000 });
  });

  it('403 userRateLimitExceeded without Retry-After: exponential backoff on the clock', async () => {
    const { clock, mock, google } = await setup({ retryBaseDelayMs: 1000, random: () => 0.5 });
    const limited = v1Error(403, 'userRateLimitExceeded', 'User Rate Limit Exceeded');
    mock.on('GET /gmail/v1/users/me/profile', [limited, limited, ok({ emailAddress: 'a@example.com', historyId: '42' })]);
    const start = clock.now();
    expect(await google.gmail.getProfile()).toEqual({ emailAddress: 'a@example.com', historyId: '42' });
    // Equal jitter with random 0.5: 750 ms, then 1,500 ms.
    expect(clock.now() - start).toBe(750 + 1500);
    expect(google.stats).toMatchObject({ rateLimited: 2, retries: 2 });
  });

  it('a rate-limited createContact is retried (a 429 means nothing was written)', async () => {
    const { mock, google } = await setup();
    mock.on(CREATE, [rpcError(429, 'RESOURCE_EXHAUSTED', 'quota', undefined, { 'retry-after': '1' }), ok({ resourceName: 'people/c9', etag: '%x' })]);
    const created = await google.people.createContact(PERSON);
    expect(created.resourceName).toBe('people/c9');
    expect(mock.callsTo('POST', '/v1/people:createContact')).toHaveLength(2);
  });

  it('gives up after maxRetries with the rate_limited error', async () => {
    const { mock, google } = await setup({ maxRetries: 2 });
    mock.on(EVENTS, [v1Error(403, 'rateLimitExceeded', 'Rate Limit Exceeded')]);
    const error = await caught(google.calendar.listEvents('primary', {}));
    expect(error.kind).toBe('rate_limited');
    expect(apiCalls(mock)).toHaveLength(3);
  });
});

describe('5xx, network and timeouts', () => {
  it('a 503 on a list page is retried, and only that page is repeated', async () => {
    const { mock, google } = await setup();
    const pages = [ok({ items: [{ id: 'a' }], nextPageToken: 'p2' }), v1Error(503, 'backendError', 'Backend Error'), lastPage];
    mock.on(EVENTS, pages);
    const { events, nextSyncToken } = await google.calendar.listEvents('primary', {});
    expect(events.map((e) => e.id)).toEqual(['a', 'e1']);
    expect(nextSyncToken).toBe('sync-1');
    expect(apiCalls(mock).map((c) => c.query.get('pageToken'))).toEqual([null, 'p2', 'p2']);
    expect(google.stats.retries).toBe(1);
  });

  it('a broken connection on history.list is retried', async () => {
    const { mock, google } = await setup();
    mock.on('GET /gmail/v1/users/me/history', ['destroy', ok({ history: [], historyId: '77' })]);
    expect((await google.gmail.listHistory('70')).historyId).toBe('77');
    expect(apiCalls(mock)).toHaveLength(2);
  });

  it('gaxios does not retry on its own: with maxRetries 0 a 503 is one request', async () => {
    const { mock, google } = await setup({ maxRetries: 0 });
    mock.on(EVENTS, [v1Error(503, 'backendError')]);
    await caught(google.calendar.listEvents('primary', {}));
    expect(apiCalls(mock)).toHaveLength(1);
  });

  it('the token refresh is not retried by OAuth2Client either (it asks gaxios for 3 retries)', async () => {
    const { mock, google } = await setup({ maxRetries: 0 });
    mock.on('POST /token', [{ status: 503, body: { error: 'temporarily_unavailable' } }]);
    const error = await caught(google.gmail.getProfile());
    expect(error).toMatchObject({ kind: 'transient', api: 'oauth', status: 503 });
    expect(mock.callsTo('POST', '/token')).toHaveLength(1);
    expect(apiCalls(mock)).toHaveLength(0);
  });

  it('a 401 is not silently retried with a refreshed token', async () => {
    const { mock, google } = await setup();
    mock.on(EVENTS, [v1Error(401, 'authError', 'Invalid Credentials')]);
    expect((await caught(google.calendar.listEvents('primary', {}))).kind).toBe('auth');
    expect(apiCalls(mock)).toHaveLength(1);
    expect(mock.callsTo('POST', '/token')).toHaveLength(1);
  });
});

describe('mutations are never repeated blindly', () => {
  it('a 503 on createContact is not retried: mayHaveCommitted, and the advice says to look it up', async () => {
    const { mock, google } = await setup();
    mock.on(CREATE, [v1Error(503, 'backendError', 'Backend Error'), ok({ resourceName: 'people/c2' })]);
    const error = await caught(google.people.createContact(PERSON));
    expect(error).toMatchObject({ kind: 'transient', api: 'people', status: 503, retryable: false, mayHaveCommitted: true });
    expect(error.message).toMatch(/look it up/);
    expect(mock.callsTo('POST', '/v1/people:createContact')).toHaveLength(1);
    expect(google.stats.retries).toBe(0);
  });

  it('a createContact timeout is not retried either', async () => {
    const { mock, google } = await setup({ timeoutMs: 80 });
    mock.on(CREATE, ['hang']);
    const error = await caught(google.people.createContact(PERSON));
    expect(error).toMatchObject({ kind: 'transient', reason: 'timeout', mayHaveCommitted: true, retryable: false });
    expect(mock.callsTo('POST', '/v1/people:createContact')).toHaveLength(1);
  });

  it('a createContact whose token refresh failed is retried: the create itself never left', async () => {
    const { mock, google } = await setup();
    mock.on('POST /token', [{ status: 500, body: { error: 'internal_failure' } }, ok({ access_token: 'ya29.second', expires_in: 3600, token_type: 'Bearer' })]);
    mock.on(CREATE, [ok({ resourceName: 'people/c3' })]);
    expect((await google.people.createContact(PERSON)).resourceName).toBe('people/c3');
    expect(mock.callsTo('POST', '/token')).toHaveLength(2);
    expect(mock.callsTo('POST', '/v1/people:createContact')).toHaveLength(1);
  });

  it('a createContact refused at connect (ECONNREFUSED) is retried: nothing was sent', async () => {
    let refusals = 1;
    const flaky: typeof fetch = async (input, init) => {
      if (String(input).includes(':createContact') && refusals-- > 0) {
        throw new TypeError('fetch failed', { cause: Object.assign(new Error('connect ECONNREFUSED 127.0.0.1'), { code: 'ECONNREFUSED' }) });
      }
      return fetch(input, init);
    };
    const { mock, google } = await setup({ fetch: flaky });
    mock.on(CREATE, [ok({ resourceName: 'people/c4' })]);
    expect((await google.people.createContact(PERSON)).resourceName).toBe('people/c4');
    expect(google.stats.retries).toBe(1);
    expect(google.stats.byEndpoint['POST /v1/people:createContact']).toBe(2);
    expect(mock.callsTo('POST', '/v1/people:createContact')).toHaveLength(1);
  });

  it('a 503 on updateContact is not retried: mayHaveCommitted, re-read advised', async () => {
    const { mock, google } = await setup();
    mock.on(UPDATE, [v1Error(503, 'backendError'), ok({ resourceName: 'people/c1' })]);
    const error = await caught(google.people.updateContact('people/c1', PERSON, ['names']));
    expect(error).toMatchObject({ kind: 'transient', retryable: false, mayHaveCommitted: true });
    expect(error.message).toMatch(/re-read the contact with getPerson/);
    expect(mock.callsTo('PATCH', '/v1/people/c1:updateContact')).toHaveLength(1);
  });

  it('a broken connection on updateContact is not retried either', async () => {
    const { mock, google } = await setup();
    mock.on(UPDATE, ['destroy', ok({})]);
    const error = await caught(google.people.updateContact('people/c1', PERSON, ['names']));
    expect(error).toMatchObject({ kind: 'transient', mayHaveCommitted: true });
    expect(mock.callsTo('PATCH', '/v1/people/c1:updateContact')).toHaveLength(1);
  });

  it('deleteContact is idempotent: a 503 is retried, and a 404 on the retry means it is gone', async () => {
    const { mock, google } = await setup();
    mock.on(DELETE, [v1Error(503, 'backendError'), rpcError(404, 'NOT_FOUND', 'Requested entity was not found.')]);
    await expect(google.people.deleteContact('people/c5')).resolves.toBeUndefined();
    expect(mock.callsTo('DELETE', '/v1/people/c5:deleteContact')).toHaveLength(2);
  });

  it('deleteContact: a 404 on the first attempt is not_found', async () => {
    const { mock, google } = await setup();
    mock.on(DELETE, [rpcError(404, 'NOT_FOUND', 'Requested entity was not found.')]);
    expect((await caught(google.people.deleteContact('people/c6'))).kind).toBe('not_found');
  });
});

describe('decideRetry (the policy as a table)', () => {
  const err = (kind: GoogleSyncError['kind'], extra: Partial<{ retryAfter: string; mayHaveCommitted: boolean; retryable: boolean }> = {}) =>
    new GoogleSyncError({ kind, api: 'people', message: kind, ...extra });
  const cases: Array<[string, GoogleSyncError, RequestKind, boolean]> = [
    ['rate_limited read', err('rate_limited'), 'read', true],
    ['rate_limited create', err('rate_limited'), 'create', true],
    ['rate_limited guarded_write', err('rate_limited'), 'guarded_write', true],
    ['transient read', err('transient'), 'read', true],
    ['transient idempotent_write', err('transient'), 'idempotent_write', true],
    ['transient create (may have committed)', err('transient', { mayHaveCommitted: true, retryable: false }), 'create', false],
    ['transient create (not sent)', err('transient', { mayHaveCommitted: false }), 'create', true],
    ['transient guarded_write (unknown)', err('transient'), 'guarded_write', false],
    ['sync_token_expired read', err('sync_token_expired'), 'read', false],
    ['conflict', err('conflict'), 'guarded_write', false],
    ['auth', err('auth'), 'read', false],
    ['validation', err('validation'), 'read', false],
    ['not_found', err('not_found'), 'read', false],
  ];
  it.each(cases)('%s → retry %s', (_, error, kind, retry) => {
    expect(decideRetry(error, kind, 0, DEFAULT_RETRY_POLICY, 0, () => 0.5).retry).toBe(retry);
  });

  it('stops at maxRetries and honours Retry-After over backoff', () => {
    const limited = err('rate_limited', { retryAfter: '7' });
    expect(decideRetry(limited, 'read', 0, DEFAULT_RETRY_POLICY, 0, () => 0.5)).toEqual({ retry: true, delayMs: 7000 });
    expect(decideRetry(limited, 'read', DEFAULT_RETRY_POLICY.maxRetries, DEFAULT_RETRY_POLICY, 0, () => 0.5)).toEqual({ retry: false });
  });
});

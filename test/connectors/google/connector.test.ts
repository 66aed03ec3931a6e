/**
 * What each operation sends and how it reads the answers: pagination, sync parameters, Gmail's
 * bounded fan-out, serialized People mutations, the token refresh, and the per-endpoint stats.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { GoogleSyncError, createGoogleConnector, endpointKey } from '../../../src/connectors/google/index.ts';
import { CLIENT_ID, CLIENT_SECRET, REFRESH_TOKEN, ACCESS_TOKEN, apiCalls, closeAll, ok, rpcError, setup, v1Error } from './mock-google.ts';

afterEach(closeAll);

const EVENTS = 'GET /calendar/v3/calendars/{calendarId}/events';

async function caught(p: Promise<unknown>): Promise<GoogleSyncError> {
  try {
    await p;
  } catch (e) {
    expect(e).toBeInstanceOf(GoogleSyncError);
    return e as GoogleSyncError;
  }
  throw new Error('expected a rejection');
}

describe('calendar.listEvents', () => {
  it('full sync: window, singleEvents, showDeleted=false; follows every page, empty ones included', async () => {
    const { mock, google } = await setup();
    mock.on(EVENTS, (req) => {
      switch (req.query.get('pageToken')) {
        case null:
          return ok({ items: [{ id: 'a' }, { id: 'b' }], nextPageToken: 'p2' });
        case 'p2':
          return ok({ items: [], nextPageToken: 'p3' }); // legal: an empty page that goes on
        case 'p3':
          return ok({ nextPageToken: 'p4' }); // no items member at all
        default:
          return ok({ items: [{ id: 'c' }], nextSyncToken: 'sync-1' });
      }
    });
    const result = await google.calendar.listEvents('team@example.com', { timeMin: '2026-01-01T00:00:00Z', timeMax: '2026-03-01T00:00:00Z' });
    expect(result).toEqual({ events: [{ id: 'a' }, { id: 'b' }, { id: 'c' }], nextSyncToken: 'sync-1' });
    const calls = apiCalls(mock);
    expect(calls.map((c) => c.query.get('pageToken'))).toEqual([null, 'p2', 'p3', 'p4']);
    expect(calls[0]!.params.calendarId).toBe('team@example.com');
    for (const c of calls) {
      expect(Object.fromEntries(c.query)).toMatchObject({
        singleEvents: 'true',
        showDeleted: 'false',
        timeMin: '2026-01-01T00:00:00Z',
        timeMax: '2026-03-01T00:00:00Z',
        maxResults: '2500',
      });
      expect(c.query.has('syncToken')).toBe(false);
    }
  });

  it('incremental sync: the syncToken on every page, and none of the parameters Google forbids with it', async () => {
    const { mock, google } = await setup();
    mock.on(EVENTS, [ok({ items: [{ id: 'x', status: 'cancelled' }], nextPageToken: 'q2' }), ok({ items: [{ id: 'y' }], nextSyncToken: 'sync-2' })]);
    const result = await google.calendar.listEvents('primary', { syncToken: 'sync-1', timeMin: '2026-01-01T00:00:00Z', timeMax: '2026-03-01T00:00:00Z' });
    expect(result).toEqual({ events: [{ id: 'x', status: 'cancelled' }, { id: 'y' }], nextSyncToken: 'sync-2' });
    const calls = apiCalls(mock);
    expect(calls.map((c) => [c.query.get('syncToken'), c.query.get('pageToken')])).toEqual([
      ['sync-1', null],
      ['sync-1', 'q2'],
    ]);
    for (const c of calls) {
      expect(c.query.get('singleEvents')).toBe('true');
      for (const forbidden of ['timeMin', 'timeMax', 'showDeleted', 'orderBy', 'q', 'updatedMin']) expect(c.query.has(forbidden)).toBe(false);
    }
  });

  it('a last page without nextSyncToken is reported, not papered over', async () => {
    const { mock, google } = await setup();
    mock.on(EVENTS, [ok({ items: [] })]);
    expect(await caught(google.calendar.listEvents('primary', {}))).toMatchObject({ kind: 'transient', reason: 'unexpected_response', retryable: false });
  });

  it('a page token that does not advance stops the loop', async () => {
    const { mock, google } = await setup();
    mock.on(EVENTS, [ok({ items: [], nextPageToken: 'same' })]);
    expect((await caught(google.calendar.listEvents('primary', {}))).message).toMatch(/same nextPageToken/);
    expect(apiCalls(mock)).toHaveLength(2);
  });
});

describe('gmail', () => {
  it('getProfile returns the address and the current historyId', async () => {
    const { mock, google } = await setup();
    mock.on('GET /gmail/v1/users/me/profile', [ok({ emailAddress: 'me@example.com', messagesTotal: 3, threadsTotal: 2, historyId: '9001' })]);
    expect(await google.gmail.getProfile()).toEqual({ emailAddress: 'me@example.com', historyId: '9001' });
  });

  it('listMessageIds follows pages of 500 with q, and stops at limit', async () => {
    const { mock, google } = await setup();
    const all = Array.from({ length: 1200 }, (_, i) => ({ id: `m${i}`, threadId: `t${i % 7}` }));
    mock.on('GET /gmail/v1/users/me/messages', (req) => {
      const start = Number(req.query.get('pageToken') ?? 0);
      const end = Math.min(start + Number(req.query.get('maxResults')), all.length);
      return ok({ messages: all.slice(start, end), ...(end < all.length ? { nextPageToken: String(end) } : {}), resultSizeEstimate: all.length });
    });
    const ids = await google.gmail.listMessageIds('newer_than:30d -in:chats');
    expect(ids).toEqual(all);
    expect(apiCalls(mock).map((c) => [c.query.get('q'), c.query.get('maxResults'), c.query.get('pageToken')])).toEqual([
      ['newer_than:30d -in:chats', '500', null],
      ['newer_than:30d -in:chats', '500', '500'],
      ['newer_than:30d -in:chats', '500', '1000'],
    ]);

    mock.calls.length = 0;
    const some = await google.gmail.listMessageIds(undefined, 600);
    expect(some).toEqual(all.slice(0, 600));
    expect(apiCalls(mock).map((c) => [c.query.has('q'), c.query.get('maxResults')])).toEqual([
      [false, '500'],
      [false, '100'],
    ]);
  });

  it('getMessagesMetadata: format=metadata with the five headers, each id once, at most gmailConcurrency in flight, 404 → null', async () => {
    const { mock, google } = await setup({ gmailConcurrency: 4 });
    let inFlight = 0;
    let maxInFlight = 0;
    let started = 0;
    const TOTAL = 21;
    // A gate instead of a timer: each request waits until the pool is full (or every request has
    // started), so the concurrency reached does not depend on how fast this machine is.
    let waiting: Array<() => void> = [];
    mock.on('GET /gmail/v1/users/me/messages/{id}', async (req) => {
      inFlight++;
      started++;
      maxInFlight = Math.max(maxInFlight, inFlight);
      if (inFlight >= 4 || started >= TOTAL) {
        waiting.forEach((release) => release());
        waiting = [];
      } else await new Promise<void>((resolve) => waiting.push(resolve));
      inFlight--;
      if (req.params.id === 'gone') return v1Error(404, 'notFound', 'Requested entity was not found.');
      return ok({ id: req.params.id, threadId: 't', labelIds: ['INBOX'], payload: { headers: [{ name: 'Subject', value: `s-${req.params.id}` }] } });
    });
    const ids = Array.from({ length: 20 }, (_, i) => `m${i}`);
    const result = await google.gmail.getMessagesMetadata([...ids, 'gone', 'm3', 'm7', 'gone']);
    expect([...result.keys()]).toEqual([...ids, 'gone']);
    expect(result.get('gone')).toBeNull();
    expect(result.get('m5')?.payload?.headers).toEqual([{ name: 'Subject', value: 's-m5' }]);

    const gets = apiCalls(mock);
    expect(gets.map((c) => c.params.id).sort()).toEqual([...ids, 'gone'].sort()); // each id fetched once
    expect(maxInFlight).toBeLessThanOrEqual(4);
    expect(maxInFlight).toBe(4); // and the pool is actually used
    for (const c of gets) {
      expect(c.query.get('format')).toBe('metadata');
      expect(c.query.getAll('metadataHeaders')).toEqual(['From', 'To', 'Cc', 'Subject', 'Date']);
    }
    expect(google.stats.byEndpoint['GET /gmail/v1/users/me/messages/:id']).toBe(21);
  });

  it('getMessagesMetadata: another failure fails the batch and starts no new fetch', async () => {
    const { mock, google } = await setup({ gmailConcurrency: 2, maxRetries: 0 });
    mock.on('GET /gmail/v1/users/me/messages/{id}', (req) => (req.params.id === 'm1' ? v1Error(500, 'backendError') : ok({ id: req.params.id })));
    const error = await caught(google.gmail.getMessagesMetadata(Array.from({ length: 10 }, (_, i) => `m${i}`)));
    expect(error.kind).toBe('transient');
    expect(apiCalls(mock).length).toBeLessThan(10);
  });

  it('listHistory: all pages of 500; added, deleted, label changes reconciled; historyId of the last page', async () => {
    const { mock, google } = await setup();
    const msg = (id: string) => ({ message: { id, threadId: 't' } });
    mock.on('GET /gmail/v1/users/me/history', (req) =>
      req.query.get('pageToken')
        ? ok({
            history: [
              { id: '105', messagesDeleted: [msg('m2')] },
              { id: '106', labelsRemoved: [{ ...msg('m4'), labelIds: ['UNREAD'] }] },
            ],
            historyId: '110',
          })
        : ok({
            history: [
              { id: '101', messagesAdded: [msg('m1'), msg('m2')], messages: [{ id: 'm1' }, { id: 'm2' }] },
              { id: '102', labelsAdded: [{ ...msg('m1'), labelIds: ['STARRED'] }, { ...msg('m3'), labelIds: ['TRASH'] }] },
              { id: '103', messagesAdded: [msg('m1')] },
            ],
            nextPageToken: 'h2',
            historyId: '108',
          }),
    );
    expect(await google.gmail.listHistory('100')).toEqual({ added: ['m1'], deleted: ['m2'], labelsChanged: ['m3', 'm4'], historyId: '110' });
    const calls = apiCalls(mock);
    expect(calls.map((c) => [c.query.get('startHistoryId'), c.query.get('maxResults'), c.query.get('pageToken')])).toEqual([
      ['100', '500', null],
      ['100', '500', 'h2'],
    ]);
  });
});

describe('people', () => {
  const FIELDS = 'names,emailAddresses,phoneNumbers,organizations,biographies,metadata';

  it('listConnections: full sync with pageSize 1000 and requestSyncToken, all pages, nextSyncToken of the last', async () => {
    const { mock, google } = await setup();
    mock.on('GET /v1/people/me/connections', [
      ok({ connections: [{ resourceName: 'people/c1' }], nextPageToken: 'n2', totalPeople: 2 }),
      ok({ nextPageToken: 'n3' }),
      ok({ connections: [{ resourceName: 'people/c2' }], nextSyncToken: 'psync-1' }),
    ]);
    const result = await google.people.listConnections({});
    expect(result).toEqual({ people: [{ resourceName: 'people/c1' }, { resourceName: 'people/c2' }], nextSyncToken: 'psync-1' });
    const calls = apiCalls(mock);
    expect(calls.map((c) => c.query.get('pageToken'))).toEqual([null, 'n2', 'n3']);
    for (const c of calls) {
      expect(Object.fromEntries(c.query)).toMatchObject({ personFields: FIELDS, pageSize: '1000', requestSyncToken: 'true' });
      expect(c.query.has('syncToken')).toBe(false);
    }
  });

  it('listConnections: incremental with the syncToken; deleted people come back as they are', async () => {
    const { mock, google } = await setup();
    const tombstone = { resourceName: 'people/c9', metadata: { deleted: true } };
    mock.on('GET /v1/people/me/connections', [ok({ connections: [tombstone], nextSyncToken: 'psync-2' })]);
    expect(await google.people.listConnections({ syncToken: 'psync-1' })).toEqual({ people: [tombstone], nextSyncToken: 'psync-2' });
    expect(Object.fromEntries(apiCalls(mock)[0]!.query)).toMatchObject({ syncToken: 'psync-1', requestSyncToken: 'true', personFields: FIELDS });
  });

  it('getPerson reads the person fields', async () => {
    const { mock, google } = await setup();
    mock.on('GET /v1/people/{id}', (req) => ok({ resourceName: `people/${req.params.id}`, etag: '%p' }));
    expect(await google.people.getPerson('people/c7')).toEqual({ resourceName: 'people/c7', etag: '%p' });
    expect(apiCalls(mock)[0]!.query.get('personFields')).toBe(FIELDS);
  });

  it('createContact posts the person and asks for the person fields back', async () => {
    const { mock, google } = await setup();
    mock.on('POST /v1/people:createContact', (req) => ok({ ...req.body, resourceName: 'people/c10', etag: '%new' }));
    const person = { names: [{ givenName: 'Ada', familyName: 'Lovelace' }], emailAddresses: [{ value: 'ada@example.com' }] };
    expect(await google.people.createContact(person)).toEqual({ ...person, resourceName: 'people/c10', etag: '%new' });
    const [call] = apiCalls(mock);
    expect(call!.body).toEqual(person);
    expect(call!.query.get('personFields')).toBe(FIELDS);
  });

  it('updateContact PATCHes with updatePersonFields and the source etag', async () => {
    const { mock, google } = await setup();
    mock.on('PATCH /v1/people/{id}:updateContact', (req) => ok({ ...req.body, etag: '%next' }));
    const person = { metadata: { sources: [{ type: 'CONTACT', id: 'c11', etag: '#src-1' }] }, names: [{ givenName: 'Grace' }], phoneNumbers: [{ value: '+1 555' }] };
    await google.people.updateContact('people/c11', person, ['names', 'phoneNumbers']);
    const [call] = apiCalls(mock);
    expect(call!.path).toBe('/v1/people/c11:updateContact');
    expect(call!.query.get('updatePersonFields')).toBe('names,phoneNumbers');
    expect(call!.query.get('personFields')).toBe(FIELDS);
    expect(call!.body).toEqual({ ...person, resourceName: 'people/c11' });
  });

  it('refuses locally, before sending: no etag, no fields, or a resource name that is not a contact', async () => {
    const { mock, google } = await setup();
    expect((await caught(google.people.updateContact('people/c1', { names: [] }, ['names']))).message).toMatch(/metadata\.sources\[\]\.etag/);
    expect((await caught(google.people.updateContact('people/c1', { metadata: { sources: [{ etag: '#1' }] } }, [])))).toMatchObject({ kind: 'validation' });
    for (const bad of ['c1', 'people/../../gmail/v1/users/me/profile', 'people/c1?x=1', '']) {
      expect((await caught(google.people.deleteContact(bad))).kind).toBe('validation');
      expect((await caught(google.people.getPerson(bad))).kind).toBe('validation');
    }
    expect(mock.calls).toHaveLength(0);
  });

  it('serializes mutations (one in flight, in call order) while reads go on beside them', async () => {
    const { mock, google } = await setup();
    let inFlight = 0;
    let maxInFlight = 0;
    const order: string[] = [];
    let readInsideMutation: unknown;
    const mutation = (name: string) => async () => {
      inFlight++;
      maxInFlight = Math.max(maxInFlight, inFlight);
      order.push(`${name}:start`);
      // A read issued while a mutation is in flight is not queued behind it (it would deadlock).
      if (name === 'update') readInsideMutation = await google.people.getPerson('people/c2');
      // Give a concurrent (unserialized) mutation every chance to arrive: many event-loop turns, no timer.
      for (let i = 0; i < 50; i++) await new Promise((r) => setImmediate(r));
      order.push(`${name}:end`);
      inFlight--;
      return ok({ resourceName: 'people/c1' });
    };
    mock.on('POST /v1/people:createContact', mutation('create'));
    mock.on('PATCH /v1/people/{id}:updateContact', mutation('update'));
    mock.on('DELETE /v1/people/{id}:deleteContact', mutation('delete'));
    mock.on('GET /v1/people/{id}', () => ok({ resourceName: 'people/c2' }));
    const person = { metadata: { sources: [{ etag: '#1' }] }, names: [{ givenName: 'A' }] };
    await Promise.all([
      google.people.createContact(person),
      google.people.updateContact('people/c1', person, ['names']),
      google.people.deleteContact('people/c1'),
      google.people.createContact(person),
    ]);
    expect(maxInFlight).toBe(1);
    expect(order).toEqual(['create:start', 'create:end', 'update:start', 'update:end', 'delete:start', 'delete:end', 'create:start', 'create:end']);
    expect(readInsideMutation).toEqual({ resourceName: 'people/c2' });
  });

  it('a failed mutation does not block the next one', async () => {
    const { mock, google } = await setup({ maxRetries: 0 });
    mock.on('POST /v1/people:createContact', [rpcError(400, 'INVALID_ARGUMENT', 'bad'), ok({ resourceName: 'people/c3' })]);
    const [first, second] = await Promise.allSettled([google.people.createContact({}), google.people.createContact({})]);
    expect(first.status).toBe('rejected');
    expect(second).toMatchObject({ status: 'fulfilled', value: { resourceName: 'people/c3' } });
  });
});

describe('auth', () => {
  it('refreshes the access token at `${apiRoot}/token` with the refresh token, once, and sends it as Bearer', async () => {
    const { mock, google } = await setup();
    mock.on('GET /gmail/v1/users/me/profile', [ok({ emailAddress: 'me@example.com', historyId: '1' })]);
    await google.gmail.getProfile();
    await google.gmail.getProfile();
    const tokens = mock.callsTo('POST', '/token');
    expect(tokens).toHaveLength(1);
    const form = new URLSearchParams(tokens[0]!.body as string);
    expect(Object.fromEntries(form)).toEqual({ grant_type: 'refresh_token', refresh_token: REFRESH_TOKEN, client_id: CLIENT_ID, client_secret: CLIENT_SECRET });
    expect(String(tokens[0]!.headers['content-type'])).toMatch(/application\/x-www-form-urlencoded/);
    for (const c of apiCalls(mock)) expect(c.headers.authorization).toBe(`Bearer ${ACCESS_TOKEN}`);
    expect(google.stats.byEndpoint['POST /token']).toBe(1);
  });

  it('concurrent first calls share one token refresh', async () => {
    const { mock, google } = await setup();
    mock.on('GET /gmail/v1/users/me/messages/{id}', (req) => ok({ id: req.params.id }));
    await google.gmail.getMessagesMetadata(['a', 'b', 'c', 'd']);
    expect(mock.callsTo('POST', '/token')).toHaveLength(1);
  });

  it('refuses to start without credentials, naming the variables (and no values)', () => {
    let error: unknown;
    try {
      createGoogleConnector({ clientId: CLIENT_ID, clientSecret: CLIENT_SECRET, refreshToken: '' });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(GoogleSyncError);
    expect(error).toMatchObject({ kind: 'auth', api: 'oauth' });
    expect((error as Error).message).toContain('GOOGLE_REFRESH_TOKEN');
    expect((error as Error).message).not.toContain(CLIENT_SECRET);
  });

  it('refuses an apiRoot with a path (googleapis-common would drop it silently)', () => {
    expect(() => createGoogleConnector({ clientId: 'a', clientSecret: 'b', refreshToken: 'c', apiRoot: 'http://127.0.0.1:9/google' })).toThrow(/without a path/);
  });
});

describe('pacing and stats', () => {
  it('counts every HTTP request per endpoint, token refresh included; resetStats zeroes in place', async () => {
    const { mock, google } = await setup();
    mock.on(EVENTS, [ok({ items: [], nextPageToken: 'p2' }), ok({ items: [], nextSyncToken: 's' })]);
    mock.on('GET /v1/people/me/connections', [ok({ nextSyncToken: 'ps' })]);
    mock.on('DELETE /v1/people/{id}:deleteContact', [ok({})]);
    await google.calendar.listEvents('primary', {});
    await google.people.listConnections({});
    await google.people.deleteContact('people/c1');
    const stats = google.stats;
    expect(stats).toMatchObject({
      requests: 5,
      byEndpoint: {
        'POST /token': 1,
        'GET /calendar/v3/calendars/:calendarId/events': 2,
        'GET /v1/people/me/connections': 1,
        'DELETE /v1/people/:id:deleteContact': 1,
      },
      rateLimited: 0,
      retries: 0,
    });
    google.resetStats();
    expect(stats).toEqual({ requests: 0, byEndpoint: {}, rateLimited: 0, retries: 0, waitedMs: 0 });
  });

  it('paces requests on the injected clock: 2 per second without burst', async () => {
    const { clock, mock, google } = await setup({ requestsPerSecond: 2, burst: 1 });
    mock.on('GET /gmail/v1/users/me/profile', [ok({ emailAddress: 'me@example.com', historyId: '1' })]);
    const start = clock.now();
    for (let i = 0; i < 3; i++) await google.gmail.getProfile();
    // token + 3 profiles = 4 requests, 500 ms apart.
    expect(mock.calls.map((c) => c.at - start)).toEqual([0, 500, 1000, 1500]);
    expect(google.stats.waitedMs).toBe(1500);
  });

  it('sends through an injected fetch', async () => {
    const seen: string[] = [];
    const spy: typeof fetch = (input, init) => {
      seen.push(`${init?.method} ${new URL(String(input)).pathname}`);
      return fetch(input, init);
    };
    const { mock, google } = await setup({ fetch: spy });
    mock.on('GET /gmail/v1/users/me/profile', [ok({ emailAddress: 'me@example.com', historyId: '1' })]);
    await google.gmail.getProfile();
    expect(seen).toEqual(['POST /token', 'GET /gmail/v1/users/me/profile']);
  });

  it('endpointKey templates ids away', () => {
    expect(endpointKey('get', 'http://h/calendar/v3/calendars/a%40b.com/events?pageToken=x')).toBe('GET /calendar/v3/calendars/:calendarId/events');
    expect(endpointKey('GET', 'https://gmail.googleapis.com/gmail/v1/users/me/messages/18c0ffee')).toBe('GET /gmail/v1/users/me/messages/:id');
    expect(endpointKey('PATCH', 'https://people.googleapis.com/v1/people/c123:updateContact?updatePersonFields=names')).toBe('PATCH /v1/people/:id:updateContact');
    expect(endpointKey('POST', 'https://oauth2.googleapis.com/token')).toBe('POST /token');
  });
});

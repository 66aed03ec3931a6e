/**
 * Error normalization, end to end: each answer is scripted on the HTTP server and travels through
 * the real gaxios / OAuth2Client / googleapis-common stack before normalizeGoogleError reads it.
 * maxRetries: 0, so each case shows the first normalized error.
 */
import { inspect } from 'node:util';
import { afterEach, describe, expect, it } from 'vitest';
import { GoogleSyncError, normalizeGoogleError, type GoogleConnector } from '../../../src/connectors/google/index.ts';
import { ACCESS_TOKEN, CLIENT_SECRET, REFRESH_TOKEN, apiCalls, closeAll, ok, rpcError, setup, v1Error, type Reply } from './mock-google.ts';

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
const HISTORY = 'GET /gmail/v1/users/me/history';
const MESSAGES = 'GET /gmail/v1/users/me/messages';
const CONNECTIONS = 'GET /v1/people/me/connections';
const UPDATE = 'PATCH /v1/people/{id}:updateContact';
const PERSON = { resourceName: 'people/c1', metadata: { sources: [{ type: 'CONTACT', id: '1', etag: '#etag-old' }] }, names: [{ givenName: 'Ada' }] };

interface Case {
  name: string;
  route: string;
  reply: Reply;
  act: (g: GoogleConnector) => Promise<unknown>;
  expected: Partial<Pick<GoogleSyncError, 'kind' | 'api' | 'status' | 'reason' | 'retryable'>>;
}

const CASES: Case[] = [
  {
    name: 'Calendar 410 fullSyncRequired → sync_token_expired',
    route: EVENTS,
    reply: v1Error(410, 'fullSyncRequired', 'Sync token is no longer valid, a full sync is required.'),
    act: (g) => g.calendar.listEvents('primary', { syncToken: 'old' }),
    expected: { kind: 'sync_token_expired', api: 'calendar', status: 410, reason: 'fullSyncRequired', retryable: false },
  },
  {
    name: 'Calendar 410 without a reason → sync_token_expired',
    route: EVENTS,
    reply: { status: 410, body: { error: { code: 410, message: 'Gone' } } },
    act: (g) => g.calendar.listEvents('primary', { syncToken: 'old' }),
    expected: { kind: 'sync_token_expired', api: 'calendar', status: 410 },
  },
  {
    name: 'Gmail history.list 404 → sync_token_expired',
    route: HISTORY,
    reply: v1Error(404, 'notFound', 'Requested entity was not found.'),
    act: (g) => g.gmail.listHistory('12345'),
    expected: { kind: 'sync_token_expired', api: 'gmail', status: 404 },
  },
  {
    name: 'Gmail 404 outside history.list → not_found',
    route: MESSAGES,
    reply: v1Error(404, 'notFound', 'Requested entity was not found.'),
    act: (g) => g.gmail.listMessageIds(undefined),
    expected: { kind: 'not_found', api: 'gmail', status: 404 },
  },
  {
    name: 'People 400 with ErrorInfo reason EXPIRED_SYNC_TOKEN (whatever the status string) → sync_token_expired',
    route: CONNECTIONS,
    reply: rpcError(400, 'INVALID_ARGUMENT', 'Request had invalid arguments.', 'EXPIRED_SYNC_TOKEN'),
    act: (g) => g.people.listConnections({ syncToken: 'old' }),
    expected: { kind: 'sync_token_expired', api: 'people', status: 400, reason: 'EXPIRED_SYNC_TOKEN', retryable: false },
  },
  {
    name: 'People 400 "Sync token is expired" without details → sync_token_expired',
    route: CONNECTIONS,
    reply: rpcError(400, 'FAILED_PRECONDITION', 'Sync token is expired. Clear local cache and retry call without the sync token.'),
    act: (g) => g.people.listConnections({ syncToken: 'old' }),
    expected: { kind: 'sync_token_expired', api: 'people', status: 400 },
  },
  {
    name: 'People 400 INVALID_ARGUMENT (not by status alone) → validation',
    route: CONNECTIONS,
    reply: rpcError(400, 'INVALID_ARGUMENT', 'Invalid personFields mask path: "nope".'),
    act: (g) => g.people.listConnections({}),
    expected: { kind: 'validation', api: 'people', status: 400, reason: 'INVALID_ARGUMENT' },
  },
  {
    name: 'People 400 FAILED_PRECONDITION on a list, without EXPIRED_SYNC_TOKEN → validation (not sync_token_expired)',
    route: CONNECTIONS,
    reply: rpcError(400, 'FAILED_PRECONDITION', 'Precondition check failed.'),
    act: (g) => g.people.listConnections({ syncToken: 'old' }),
    expected: { kind: 'validation', api: 'people', status: 400 },
  },
  {
    name: 'People 400 FAILED_PRECONDITION (stale etag) on updateContact → conflict',
    route: UPDATE,
    reply: rpcError(400, 'FAILED_PRECONDITION', 'Request person.etag is different than the current person.etag. Clear local cache and get the latest person.'),
    act: (g) => g.people.updateContact('people/c1', PERSON, ['names']),
    expected: { kind: 'conflict', api: 'people', status: 400, retryable: false },
  },
  {
    name: 'People 400 errors[].reason failedPrecondition → conflict',
    route: UPDATE,
    reply: v1Error(400, 'failedPrecondition', 'Precondition check failed.'),
    act: (g) => g.people.updateContact('people/c1', PERSON, ['names']),
    expected: { kind: 'conflict', api: 'people', status: 400, reason: 'failedPrecondition' },
  },
  {
    name: '403 userRateLimitExceeded → rate_limited',
    route: EVENTS,
    reply: v1Error(403, 'userRateLimitExceeded', 'User Rate Limit Exceeded'),
    act: (g) => g.calendar.listEvents('primary', {}),
    expected: { kind: 'rate_limited', api: 'calendar', status: 403, reason: 'userRateLimitExceeded', retryable: true },
  },
  {
    name: '403 rateLimitExceeded → rate_limited',
    route: MESSAGES,
    reply: v1Error(403, 'rateLimitExceeded', 'Rate Limit Exceeded'),
    act: (g) => g.gmail.listMessageIds(undefined),
    expected: { kind: 'rate_limited', api: 'gmail', reason: 'rateLimitExceeded' },
  },
  {
    name: '403 quotaExceeded → rate_limited',
    route: EVENTS,
    reply: v1Error(403, 'quotaExceeded', 'Calendar usage limits exceeded.'),
    act: (g) => g.calendar.listEvents('primary', {}),
    expected: { kind: 'rate_limited', reason: 'quotaExceeded' },
  },
  {
    name: '429 RESOURCE_EXHAUSTED → rate_limited',
    route: CONNECTIONS,
    reply: rpcError(429, 'RESOURCE_EXHAUSTED', "Quota exceeded for quota metric 'Read requests'"),
    act: (g) => g.people.listConnections({}),
    expected: { kind: 'rate_limited', api: 'people', status: 429 },
  },
  {
    name: '403 insufficientPermissions → auth',
    route: MESSAGES,
    reply: v1Error(403, 'insufficientPermissions', 'Metadata scope does not support \'q\' parameter'),
    act: (g) => g.gmail.listMessageIds('from:x'),
    expected: { kind: 'auth', api: 'gmail', status: 403, retryable: false },
  },
  {
    name: '401 → auth',
    route: EVENTS,
    reply: v1Error(401, 'authError', 'Invalid Credentials'),
    act: (g) => g.calendar.listEvents('primary', {}),
    expected: { kind: 'auth', api: 'calendar', status: 401, reason: 'authError', retryable: false },
  },
  {
    name: 'token endpoint invalid_grant → auth (oauth)',
    route: 'POST /token',
    reply: { status: 400, body: { error: 'invalid_grant', error_description: 'Token has been expired or revoked.' } },
    act: (g) => g.calendar.listEvents('primary', {}),
    expected: { kind: 'auth', api: 'oauth', status: 400, reason: 'invalid_grant', retryable: false },
  },
  {
    name: 'token endpoint invalid_client → auth (oauth)',
    route: 'POST /token',
    reply: { status: 401, body: { error: 'invalid_client', error_description: 'The OAuth client was not found.' } },
    act: (g) => g.gmail.getProfile(),
    expected: { kind: 'auth', api: 'oauth', status: 401, reason: 'invalid_client' },
  },
  {
    name: '500 backendError → transient',
    route: EVENTS,
    reply: v1Error(500, 'backendError', 'Backend Error'),
    act: (g) => g.calendar.listEvents('primary', {}),
    expected: { kind: 'transient', api: 'calendar', status: 500, reason: 'backendError', retryable: true },
  },
  {
    name: '503 with an HTML body → transient',
    route: MESSAGES,
    reply: { status: 503, body: '<html>Service Unavailable</html>', headers: { 'content-type': 'text/html' } },
    act: (g) => g.gmail.listMessageIds(undefined),
    expected: { kind: 'transient', status: 503 },
  },
  {
    name: 'network: socket closed → transient',
    route: EVENTS,
    reply: 'destroy',
    act: (g) => g.calendar.listEvents('primary', {}),
    expected: { kind: 'transient', api: 'calendar', status: undefined, retryable: true },
  },
  {
    name: '404 on a get → not_found',
    route: EVENTS,
    reply: v1Error(404, 'notFound', 'Not Found'),
    act: (g) => g.calendar.listEvents('nobody@example.com', {}),
    expected: { kind: 'not_found', api: 'calendar', status: 404 },
  },
  {
    name: 'other 400 → validation',
    route: EVENTS,
    reply: v1Error(400, 'timeRangeEmpty', 'The specified time range is empty.'),
    act: (g) => g.calendar.listEvents('primary', { timeMin: '2026-02-01T00:00:00Z', timeMax: '2026-01-01T00:00:00Z' }),
    expected: { kind: 'validation', api: 'calendar', status: 400, reason: 'timeRangeEmpty', retryable: false },
  },
];

describe('normalizeGoogleError, through the real client stack', () => {
  it.each(CASES)('$name', async ({ route, reply, act, expected }) => {
    const { mock, google } = await setup({ maxRetries: 0 });
    mock.on(route, [reply]);
    const error = await caught(act(google));
    expect(error).toMatchObject(expected);
    expect(error.message).not.toContain(REFRESH_TOKEN);
    expect(error.message).not.toContain(CLIENT_SECRET);
    expect(error.message).not.toContain(ACCESS_TOKEN);
  });

  it('a request that outlives timeoutMs → transient (timeout)', async () => {
    const { mock, google } = await setup({ maxRetries: 0, timeoutMs: 100 });
    mock.on(EVENTS, ['hang']);
    const error = await caught(google.calendar.listEvents('primary', {}));
    expect(error).toMatchObject({ kind: 'transient', reason: 'timeout', retryable: true });
    expect(error.message).toMatch(/timed out after 100 ms/);
  });

  it('auth failures say how to fix them: re-authorize for a new GOOGLE_REFRESH_TOKEN', async () => {
    const { mock, google } = await setup({ maxRetries: 0 });
    mock.on('POST /token', [{ status: 400, body: { error: 'invalid_grant', error_description: 'Token has been expired or revoked.' } }]);
    const grant = await caught(google.people.listConnections({}));
    expect(grant.message).toMatch(/re-authorize/i);
    expect(grant.message).toContain('GOOGLE_REFRESH_TOKEN');
    expect(grant.message).toContain('Token has been expired or revoked');

    const { mock: mock2, google: google2 } = await setup({ maxRetries: 0 });
    mock2.on(EVENTS, [v1Error(401, 'authError', 'Invalid Credentials')]);
    const unauthorized = await caught(google2.calendar.listEvents('primary', {}));
    expect(unauthorized.message).toMatch(/re-authorize/i);
    expect(unauthorized.message).toContain('GOOGLE_REFRESH_TOKEN');
  });

  it('keeps secrets out of the message and out of the error it wraps (cause, config, body)', async () => {
    const { mock, google } = await setup({ maxRetries: 0 });
    mock.on('POST /token', [{ status: 400, body: { error: 'invalid_grant', error_description: 'Bad Request' } }]);
    const refresh = await caught(google.calendar.listEvents('primary', {}));
    // The failed refresh's form body (refresh_token, client_secret) is scrubbed from the wrapped GaxiosError.
    const dump = inspect(refresh, { depth: 12 });
    for (const secret of [REFRESH_TOKEN, CLIENT_SECRET, encodeURIComponent(REFRESH_TOKEN)]) {
      expect(refresh.message).not.toContain(secret);
      expect(dump).not.toContain(secret);
    }

    // A careless server echoing the request into its error text: the message is still clean.
    const { mock: echoing, google: echoed } = await setup({ maxRetries: 0 });
    echoing.on('POST /token', (req) => ({ status: 400, body: { error: 'invalid_grant', error_description: `bad request: ${String(req.body)}` } }));
    const echo = await caught(echoed.gmail.getProfile());
    expect(echo.message).toContain('bad request: refresh_token=[redacted]');
    for (const secret of [REFRESH_TOKEN, CLIENT_SECRET, encodeURIComponent(REFRESH_TOKEN)]) expect(echo.message).not.toContain(secret);

    // The Authorization header of a failed API call is scrubbed from the wrapped error too.
    const { mock: mock2, google: google2 } = await setup({ maxRetries: 0 });
    mock2.on(EVENTS, [v1Error(401, 'authError', 'Invalid Credentials')]);
    const api = await caught(google2.calendar.listEvents('primary', {}));
    expect(apiCalls(mock2)[0]!.headers.authorization).toBe(`Bearer ${ACCESS_TOKEN}`);
    expect(inspect(api, { depth: 12 })).not.toContain(ACCESS_TOKEN);

    // And an echoed access token never reaches the message.
    const { mock: mock3, google: google3 } = await setup({ maxRetries: 0 });
    mock3.on(EVENTS, (req) => v1Error(401, 'authError', `Invalid Credentials ${String(req.headers.authorization)}`));
    const echoedApi = await caught(google3.calendar.listEvents('primary', {}));
    expect(echoedApi.message).toContain('Invalid Credentials Bearer [redacted]');
    expect(echoedApi.message).not.toContain(ACCESS_TOKEN);
  });

  it('is idempotent: a GoogleSyncError passes through unchanged', async () => {
    const { mock, google } = await setup({ maxRetries: 0 });
    mock.on(EVENTS, [v1Error(500, 'backendError')]);
    const error = await caught(google.calendar.listEvents('primary', {}));
    expect(normalizeGoogleError(error, { operation: 'gmail.users.history.list' })).toBe(error);
  });

  it('classifies non-HTTP values without throwing', () => {
    const plain = normalizeGoogleError(new Error('boom'), { operation: 'people.get' });
    expect(plain).toMatchObject({ kind: 'transient', api: 'people', retryable: false, reason: 'unexpected' });
    const refused = normalizeGoogleError(new TypeError('fetch failed', { cause: Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' }) }), {
      operation: 'people.createContact',
    });
    // Nothing was sent: a create may be repeated.
    expect(refused).toMatchObject({ kind: 'transient', reason: 'ECONNREFUSED', retryable: true, mayHaveCommitted: false });
    const reset = normalizeGoogleError(new TypeError('fetch failed', { cause: Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET' }) }), {
      operation: 'people.createContact',
    });
    expect(reset).toMatchObject({ kind: 'transient', retryable: false, mayHaveCommitted: true });
    expect(reset.message).toMatch(/look it up/);
  });
});

describe('per-call outcomes that are not errors', () => {
  it('getPerson answers null for a 404', async () => {
    const { mock, google } = await setup({ maxRetries: 0 });
    mock.on('GET /v1/people/{id}', [rpcError(404, 'NOT_FOUND', 'Requested entity was not found.')]);
    expect(await google.people.getPerson('people/c404')).toBeNull();
  });

  it('a non-404 failure of getPerson still throws', async () => {
    const { mock, google } = await setup({ maxRetries: 0 });
    mock.on('GET /v1/people/{id}', [ok({}), rpcError(400, 'INVALID_ARGUMENT', 'bad')]);
    mock.on('GET /v1/people/{id}', [rpcError(400, 'INVALID_ARGUMENT', 'bad')]);
    expect((await caught(google.people.getPerson('people/c1'))).kind).toBe('validation');
  });
});

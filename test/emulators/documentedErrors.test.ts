/**
 * The documented error cases of both APIs as a table (issue 16, point 3): for each, what provokes it
 * and what Notion or Google documents — HTTP status, error code/reason, message and body shape
 * (Notion: {object:'error', status, code, message, request_id}; Calendar/Gmail: {error:{errors:[{domain,
 * reason, message}], code, message}}; People: google.rpc {error:{code, message, status, details?}}).
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { FaultConfig, GoogleEmulatorOptions } from '../../emulators/google/index.ts';
import type { NotionEmulatorOptions } from '../../emulators/notion/types.ts';
import { raw as googleRaw, start as startGoogle, type Started as GoogleStarted } from './google/helpers.ts';
import { raw as notionRaw, start as startNotion, type Started as NotionStarted } from './notion/helpers.ts';

const UNKNOWN_PAGE = '5f1e2d3c-4b5a-4978-8695-a4b3c2d1e0f9';

interface NotionCase {
  name: string;
  opts?: NotionEmulatorOptions;
  faults?: Parameters<NotionStarted['emulator']['setFaults']>[0];
  warmUp?: boolean;
  request: [method: string, path: string, o?: Parameters<typeof notionRaw>[3]];
  status: number;
  code: string;
  message: RegExp;
  header?: [string, RegExp];
}

const NOTION: NotionCase[] = [
  { name: 'a body that fails validation', request: ['POST', '/v1/pages', { body: '{}' }], status: 400, code: 'validation_error', message: /body\.parent|parent/ },
  { name: 'a malformed id', request: ['GET', '/v1/pages/not-an-id'], status: 400, code: 'validation_error', message: /path\.page_id/ },
  { name: 'invalid JSON', request: ['POST', '/v1/search', { body: '{"query":' }], status: 400, code: 'invalid_json', message: /JSON/ },
  { name: 'an unknown endpoint', request: ['GET', '/v1/nowhere'], status: 400, code: 'invalid_request_url', message: /Invalid request URL/ },
  { name: 'no Notion-Version header', request: ['GET', '/v1/users/me', { version: null }], status: 400, code: 'missing_version', message: /Notion-Version/ },
  { name: 'a bad token', opts: { tokens: ['secret_good'] }, request: ['GET', '/v1/users/me', { token: 'secret_bad' }], status: 401, code: 'unauthorized', message: /^API token is invalid\.$/ },
  { name: 'a page not shared or absent', request: ['GET', `/v1/pages/${UNKNOWN_PAGE}`], status: 404, code: 'object_not_found', message: /Could not find page with ID: 5f1e2d3c-4b5a-4978-8695-a4b3c2d1e0f9\. Make sure the relevant pages and databases are shared with your integration/ },
  { name: 'the rate limit', opts: { rateLimit: { requestsPerSecond: 1, burst: 1 } }, warmUp: true, request: ['GET', '/v1/users/me'], status: 429, code: 'rate_limited', message: /rate limited/, header: ['retry-after', /^\d+$/] },
  { name: 'a conflicting save', faults: { rate: 1, statuses: [409] }, request: ['GET', '/v1/users/me'], status: 409, code: 'conflict_error', message: /Conflict occurred while saving/ },
  { name: 'an internal error', faults: { rate: 1, statuses: [500] }, request: ['GET', '/v1/users/me'], status: 500, code: 'internal_server_error', message: /Unexpected error/ },
  { name: 'Notion unavailable', faults: { rate: 1, statuses: [503] }, request: ['GET', '/v1/users/me'], status: 503, code: 'service_unavailable', message: /unavailable/ },
  { name: 'a gateway timeout', faults: { rate: 1, statuses: [504] }, request: ['GET', '/v1/users/me'], status: 504, code: 'gateway_timeout', message: /timed out/ },
];

let n: NotionStarted | undefined;
let g: GoogleStarted | undefined;
afterEach(async () => {
  await n?.emulator.close();
  await g?.emulator.close();
  n = g = undefined;
});

describe('Notion’s documented errors', () => {
  it.each(NOTION)('$status $code: $name', async (c) => {
    n = await startNotion(c.opts);
    if (c.faults) n.emulator.setFaults(c.faults);
    const token = c.opts?.tokens ? { token: 'secret_good' } : {};
    if (c.warmUp) expect((await notionRaw(n.url, 'GET', '/v1/users/me', token)).status).toBe(200);
    const [method, path, o] = c.request;
    const res = await notionRaw(n.url, method, path, { ...token, ...o });
    expect(res.status).toBe(c.status);
    expect(res.json).toEqual({ object: 'error', status: c.status, code: c.code, message: expect.stringMatching(c.message), request_id: expect.stringMatching(/^[0-9a-f-]{36}$/) });
    if (c.header) expect(res.headers.get(c.header[0])).toMatch(c.header[1]);
  });
});

interface GoogleCase {
  name: string;
  opts?: GoogleEmulatorOptions;
  faults?: FaultConfig;
  /** Runs first (the token helper's own requests are not limited). */
  before?: (g: GoogleStarted) => Promise<string | void>;
  request: (g: GoogleStarted, arg: string | void) => [method: string, path: string, o?: Parameters<typeof googleRaw>[3]];
  status: number;
  /** v1 style: errors[0].reason (and domain); rpc style: error.status (and details[0].reason). */
  v1?: { reason: string; domain: string };
  rpc?: { status: string; detailReason?: string };
  message: RegExp;
  header?: [string, RegExp];
}

const LIST = '/calendar/v3/calendars/primary/events';
const CONNECTIONS = '/v1/people/me/connections?personFields=names';
const GOOGLE: GoogleCase[] = [
  { name: 'Calendar: an empty time range', request: () => ['GET', `${LIST}?timeMin=2026-02-01T00:00:00Z&timeMax=2026-01-01T00:00:00Z`], status: 400, v1: { reason: 'timeRangeEmpty', domain: 'calendar' }, message: /^The specified time range is empty\.$/ },
  { name: 'Calendar: timeMin with a syncToken', request: () => ['GET', `${LIST}?syncToken=x&timeMin=2026-01-01T00:00:00Z`], status: 400, v1: { reason: 'invalid', domain: 'global' }, message: /syncToken/ },
  { name: 'Calendar: invalid credentials', request: () => ['GET', LIST, { token: 'not-a-token' }], status: 401, v1: { reason: 'authError', domain: 'global' }, message: /^Invalid Credentials$/ },
  { name: 'Calendar: the per-user rate limit', opts: { rateLimit: { requestsPerSecond: 1, burst: 1 } }, before: async (x) => void (await googleRaw(x.url, 'GET', LIST)), request: () => ['GET', LIST], status: 403, v1: { reason: 'userRateLimitExceeded', domain: 'usageLimits' }, message: /User Rate Limit Exceeded/, header: ['retry-after', /^\d+$/] },
  { name: 'Calendar: the project rate limit (403)', faults: { rate: 1, statuses: [403] }, request: () => ['GET', LIST], status: 403, v1: { reason: 'rateLimitExceeded', domain: 'usageLimits' }, message: /Rate Limit Exceeded/, header: ['retry-after', /^1$/] },
  { name: 'Calendar: too many requests (429)', faults: { rate: 1, statuses: [429] }, request: () => ['GET', LIST], status: 429, v1: { reason: 'rateLimitExceeded', domain: 'usageLimits' }, message: /Rate Limit Exceeded/, header: ['retry-after', /^1$/] },
  { name: 'Calendar: an unknown event', request: () => ['GET', `${LIST}/nosuchevent`], status: 404, v1: { reason: 'notFound', domain: 'global' }, message: /^Not Found$/ },
  {
    name: 'Calendar: an expired sync token',
    before: async (x) => {
      const full = await googleRaw(x.url, 'GET', LIST);
      x.emulator.expireSyncTokens();
      return full.json.nextSyncToken as string;
    },
    request: (_x, token) => ['GET', `${LIST}?syncToken=${encodeURIComponent(token as string)}`],
    status: 410,
    v1: { reason: 'fullSyncRequired', domain: 'global' },
    message: /^Sync token is no longer valid, a full sync is required\.$/,
  },
  { name: 'Calendar: backend error', faults: { rate: 1, statuses: [503] }, request: () => ['GET', LIST], status: 503, v1: { reason: 'backendError', domain: 'global' }, message: /unavailable/ },
  {
    name: 'Gmail: a history id too old',
    before: async (x) => {
      const id = (await googleRaw(x.url, 'GET', '/gmail/v1/users/me/profile')).json.historyId as string;
      x.emulator.expireSyncTokens();
      return id;
    },
    request: (_x, id) => ['GET', `/gmail/v1/users/me/history?startHistoryId=${id}`],
    status: 404,
    v1: { reason: 'notFound', domain: 'global' },
    message: /^Requested entity was not found\.$/,
  },
  { name: 'People: invalid credentials', request: () => ['GET', CONNECTIONS, { token: 'not-a-token' }], status: 401, rpc: { status: 'UNAUTHENTICATED' }, message: /invalid authentication credentials/ },
  { name: 'People: a missing personFields', request: () => ['GET', '/v1/people/me/connections'], status: 400, rpc: { status: 'INVALID_ARGUMENT' }, message: /personFields/ },
  {
    name: 'People: an expired sync token',
    before: async (x) => {
      const full = await googleRaw(x.url, 'GET', `${CONNECTIONS}&requestSyncToken=true`);
      x.emulator.expireSyncTokens();
      return full.json.nextSyncToken as string;
    },
    request: (_x, token) => ['GET', `${CONNECTIONS}&requestSyncToken=true&syncToken=${encodeURIComponent(token as string)}`],
    status: 400,
    rpc: { status: 'FAILED_PRECONDITION', detailReason: 'EXPIRED_SYNC_TOKEN' },
    message: /^Sync token is expired\. Clear local cache and retry call without the sync token\.$/,
  },
  {
    name: 'People: a stale etag on updateContact',
    before: async (x) => x.emulator.people.addPerson({ names: [{ givenName: 'Ana' }] }).resourceName!,
    request: (_x, rn) => ['PATCH', `/v1/${rn}:updateContact?updatePersonFields=names`, { body: JSON.stringify({ etag: '%old', metadata: { sources: [{ type: 'CONTACT', etag: '#stale' }] }, names: [{ givenName: 'Ana' }] }), headers: { 'content-type': 'application/json' } }],
    status: 400,
    rpc: { status: 'FAILED_PRECONDITION' },
    message: /etag/,
  },
  { name: 'People: an unknown contact', request: () => ['GET', '/v1/people/c123456789?personFields=names'], status: 404, rpc: { status: 'NOT_FOUND' }, message: /^Requested entity was not found\.$/ },
  { name: 'People: the read quota', opts: { rateLimit: { requestsPerSecond: 1, burst: 1 } }, before: async (x) => void (await googleRaw(x.url, 'GET', CONNECTIONS)), request: () => ['GET', CONNECTIONS], status: 429, rpc: { status: 'RESOURCE_EXHAUSTED', detailReason: 'RATE_LIMIT_EXCEEDED' }, message: /Quota exceeded/ },
];

describe('Google’s documented errors', () => {
  it.each(GOOGLE)('$status: $name', async (c) => {
    g = await startGoogle(c.opts);
    const arg = c.before ? await c.before(g) : undefined;
    if (c.faults) g.emulator.setFaults(c.faults);
    const [method, path, o] = c.request(g, arg);
    const res = await googleRaw(g.url, method, path, o);
    expect(res.status).toBe(c.status);
    const e = res.json.error;
    expect(e.code).toBe(c.status);
    expect(e.message).toMatch(c.message);
    if (c.v1) {
      expect(e.errors).toHaveLength(1);
      expect(e.errors[0]).toMatchObject({ reason: c.v1.reason, domain: c.v1.domain, message: e.message });
    }
    if (c.rpc) {
      expect(e.status).toBe(c.rpc.status);
      if (c.rpc.detailReason) expect(e.details).toEqual(expect.arrayContaining([expect.objectContaining({ '@type': 'type.googleapis.com/google.rpc.ErrorInfo', reason: c.rpc.detailReason })]));
    }
    if (c.header) expect(res.headers.get(c.header[0])).toMatch(c.header[1]);
  });
});

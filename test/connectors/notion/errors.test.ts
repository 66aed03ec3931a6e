import { APIResponseError, InvalidPathParameterError, RequestTimeoutError, UnknownHTTPResponseError, type APIErrorCode } from '@notionhq/client';
import { describe, expect, it } from 'vitest';
import { NotionSyncError, normalizeNotionError, type NotionErrorKind } from '../../../src/connectors/notion/index.ts';
import { networkError } from './mock-notion.ts';

function apiError(status: number, code: string, headers: Record<string, string> = {}): APIResponseError {
  return new APIResponseError({
    code: code as APIErrorCode,
    status,
    message: `server says ${code}`,
    headers: new Headers(headers),
    rawBodyText: JSON.stringify({ object: 'error', status, code, message: `server says ${code}` }),
    additional_data: undefined,
    request_id: 'req-1',
  });
}

function unknownHttp(status: number, body: string): UnknownHTTPResponseError {
  return new UnknownHTTPResponseError({ status, message: undefined, headers: new Headers(), rawBodyText: body });
}

/** [case, caught value, kind, retryable] */
const table: Array<[string, unknown, NotionErrorKind, boolean]> = [
  ['401 unauthorized', apiError(401, 'unauthorized'), 'auth', false],
  ['403 restricted_resource', apiError(403, 'restricted_resource'), 'auth', false],
  ['404 object_not_found', apiError(404, 'object_not_found'), 'not_found', false],
  ['400 validation_error', apiError(400, 'validation_error'), 'validation', false],
  ['400 invalid_json', apiError(400, 'invalid_json'), 'validation', false],
  ['400 invalid_request', apiError(400, 'invalid_request'), 'validation', false],
  ['400 invalid_request_url', apiError(400, 'invalid_request_url'), 'validation', false],
  ['409 conflict_error', apiError(409, 'conflict_error'), 'conflict', false],
  ['429 rate_limited', apiError(429, 'rate_limited'), 'rate_limited', true],
  ['529 service_overload', apiError(529, 'service_overload'), 'rate_limited', true],
  ['500 internal_server_error', apiError(500, 'internal_server_error'), 'transient', true],
  ['503 service_unavailable', apiError(503, 'service_unavailable'), 'transient', true],
  ['504 gateway_timeout', apiError(504, 'gateway_timeout'), 'transient', true],
  ['502 HTML from a proxy', unknownHttp(502, '<html>bad gateway</html>'), 'transient', true],
  ['503 database_connection_unavailable (code outside the SDK enum)', unknownHttp(503, '{"object":"error","code":"database_connection_unavailable","message":"x"}'), 'transient', true],
  ['400 missing_version (code outside the SDK enum)', unknownHttp(400, '{"object":"error","code":"missing_version","message":"x"}'), 'validation', false],
  ['unknown 429 without a JSON body', unknownHttp(429, 'Too Many Requests'), 'rate_limited', true],
  ['unknown 401', unknownHttp(401, 'nope'), 'auth', false],
  ['unknown 404', unknownHttp(404, 'nope'), 'not_found', false],
  ['SDK request timeout', new RequestTimeoutError(), 'transient', true],
  ['fetch failed / ECONNRESET', networkError('ECONNRESET'), 'transient', true],
  ['fetch failed / ENOTFOUND', networkError('ENOTFOUND'), 'transient', true],
  ['socket hang up', Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' }), 'transient', true],
  ['AbortError', new DOMException('aborted', 'AbortError'), 'transient', true],
  ['HTML body with status 200 (JSON.parse fails)', new SyntaxError('Unexpected token <'), 'transient', true],
  ['path traversal refused by the SDK', new InvalidPathParameterError(), 'validation', false],
  ['a bug (TypeError)', new TypeError("Cannot read properties of undefined (reading 'x')"), 'transient', false],
  ['a thrown string', 'boom', 'transient', false],
];

describe('normalizeNotionError', () => {
  it.each(table)('%s → %s', (_name, value, kind, retryable) => {
    const e = normalizeNotionError(value);
    expect(e).toBeInstanceOf(NotionSyncError);
    expect(e.kind).toBe(kind);
    expect(e.retryable).toBe(retryable);
    expect(e.cause).toBe(value);
    expect(e.message.length).toBeGreaterThan(20);
  });

  it('keeps status, code, request id and Retry-After', () => {
    const e = normalizeNotionError(apiError(429, 'rate_limited', { 'retry-after': '30' }), { operation: 'GET /v1/pages/:id' });
    expect(e).toMatchObject({ status: 429, code: 'rate_limited', requestId: 'req-1', retryAfter: '30' });
    expect(e.message).toMatch(/^Notion GET \/v1\/pages\/:id failed \(429 rate_limited\): server says rate_limited\. .*\[request_id req-1\]$/);
  });

  it('is idempotent: a NotionSyncError passes through unchanged', () => {
    const once = normalizeNotionError(apiError(404, 'object_not_found'));
    expect(normalizeNotionError(once)).toBe(once);
  });

  it('says what to do for each kind', () => {
    expect(normalizeNotionError(apiError(401, 'unauthorized')).message).toMatch(/check NOTION_TOKEN and that the database is shared with the integration/);
    expect(normalizeNotionError(apiError(403, 'restricted_resource')).message).toMatch(/share the database with the integration and check its capabilities/);
    expect(normalizeNotionError(apiError(404, 'object_not_found')).message).toMatch(/shared with the integration/);
    expect(normalizeNotionError(apiError(400, 'validation_error')).message).toMatch(/retrying will not help/);
    expect(normalizeNotionError(apiError(409, 'conflict_error')).message).toMatch(/re-read it and apply the change again/);
    expect(normalizeNotionError(apiError(503, 'service_unavailable')).message).toMatch(/safe to retry later/);
    expect(normalizeNotionError(new TypeError('x is not a function')).message).toMatch(/bug in jarvis-sync/);
  });

  it('marks transient failures of non-idempotent requests as may-have-committed', () => {
    const e = normalizeNotionError(apiError(503, 'service_unavailable'), { nonIdempotent: true, operation: 'POST /v1/pages' });
    expect(e).toMatchObject({ kind: 'transient', mayHaveCommitted: true, retryable: false });
    expect(e.message).toMatch(/look it up by its sync key/);
    // A 4xx never committed anything.
    expect(normalizeNotionError(apiError(400, 'validation_error'), { nonIdempotent: true }).mayHaveCommitted).toBeUndefined();
    expect(normalizeNotionError(apiError(429, 'rate_limited'), { nonIdempotent: true }).mayHaveCommitted).toBeUndefined();
  });

  it('never lets a secret into the message', () => {
    const token = 'secret_abc123';
    const e = normalizeNotionError(new Error(`fetch failed for Bearer ${token}`), { secrets: [token] });
    expect(e.message).not.toContain(token);
    expect(e.message).toContain('[redacted]');
  });
});

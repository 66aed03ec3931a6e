/**
 * The connectors' shared error base: both connectors' errors are ConnectorErrors with the same
 * fields, so the engine and the notifier read one shape whatever the provider.
 */
import { describe, expect, it } from 'vitest';
import { ConnectorError, errorKind, isConnectorError, networkCode } from '../../src/connectors/errors.ts';
import { GoogleSyncError, normalizeGoogleError } from '../../src/connectors/google/index.ts';
import { NotionSyncError, normalizeNotionError } from '../../src/connectors/notion/index.ts';

const econnreset = () => new TypeError('fetch failed', { cause: Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET' }) });

describe('ConnectorError', () => {
  it('is what both connectors normalize every failure into, with kind, status, retryable and cause', () => {
    const cause = econnreset();
    const notion = normalizeNotionError(cause, { operation: 'POST /v1/data_sources/:id/query' });
    const google = normalizeGoogleError(cause, { operation: 'calendar.events.list' });
    for (const e of [notion, google]) {
      expect(e).toBeInstanceOf(ConnectorError);
      expect(isConnectorError(e)).toBe(true);
      expect(e).toMatchObject({ kind: 'transient', retryable: true, status: undefined });
      expect(e.cause).toBe(cause);
    }
    expect(notion).toMatchObject({ name: 'NotionSyncError', code: 'ECONNRESET' });
    expect(google).toMatchObject({ name: 'GoogleSyncError', api: 'calendar', reason: 'ECONNRESET' });
  });

  it('is retryable by default for rate_limited and transient only, unless told', () => {
    const notion = (kind: NotionSyncError['kind'], retryable?: boolean) => new NotionSyncError({ kind, message: 'm', retryable }).retryable;
    const google = (kind: GoogleSyncError['kind']) => new GoogleSyncError({ kind, api: 'people', message: 'm' }).retryable;
    expect([notion('rate_limited'), notion('transient'), notion('auth'), notion('validation'), notion('conflict'), notion('not_found')]).toEqual([true, true, false, false, false, false]);
    expect([google('rate_limited'), google('transient'), google('sync_token_expired')]).toEqual([true, true, false]);
    expect(notion('transient', false)).toBe(false);
  });

  it('keeps mayHaveCommitted and retryAfter only when given', () => {
    const plain = new NotionSyncError({ kind: 'transient', message: 'm' });
    expect(plain.mayHaveCommitted).toBeUndefined();
    expect(plain.retryAfter).toBeUndefined();
    const given = new GoogleSyncError({ kind: 'rate_limited', api: 'gmail', message: 'm', mayHaveCommitted: false, retryAfter: '3' });
    expect(given).toMatchObject({ mayHaveCommitted: false, retryAfter: '3' });
  });

  it('errorKind reads the kind of a ConnectorError or of any thrown object carrying one, and nothing else', () => {
    expect(errorKind(new GoogleSyncError({ kind: 'sync_token_expired', api: 'calendar', message: 'm' }))).toBe('sync_token_expired');
    expect(errorKind(Object.assign(new Error('fake'), { kind: 'conflict' }))).toBe('conflict');
    expect(errorKind(new Error('a bug'))).toBeUndefined();
    expect(errorKind(null)).toBeUndefined();
    expect(errorKind('boom')).toBeUndefined();
    expect(errorKind({ kind: 42 })).toBeUndefined();
  });

  it('networkCode finds a network code along the cause chain, as deep as asked', () => {
    const wrapped = new Error('gaxios', { cause: econnreset() });
    expect(networkCode(wrapped, 3)).toBe('ECONNRESET');
    expect(networkCode(wrapped, 2)).toBeUndefined();
    expect(networkCode(Object.assign(new Error('x'), { code: 'ERR_SOMETHING_ELSE' }), 5)).toBeUndefined();
  });
});

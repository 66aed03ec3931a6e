import { afterEach, describe, expect, it, vi } from 'vitest';
import { Build, DEFAULT_RETRY_POLICY, NotionSyncError, decideRetry, retryAfterMs, type RequestKind } from '../../../src/connectors/notion/index.ts';
import { DS_ID, TOKEN, json, list, networkError, notionError, page, setup, uuid } from './mock-notion.ts';

const PAGE = uuid(0x9a9e);

async function caught(p: Promise<unknown>): Promise<NotionSyncError> {
  try {
    await p;
  } catch (e) {
    expect(e).toBeInstanceOf(NotionSyncError);
    return e as NotionSyncError;
  }
  throw new Error('expected a rejection');
}

async function collect<T>(it: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const x of it) out.push(x);
  return out;
}

describe('rate limits', () => {
  it('honours Retry-After (delta-seconds): the clock advances by exactly that, then the request succeeds', async () => {
    const { clock, mock, notion } = setup();
    mock.on('GET /v1/pages/:id', [notionError(429, 'rate_limited', 'slow down', { 'retry-after': '2' }), json(page(PAGE))]);
    const start = clock.now();
    const p = await notion.retrievePage(PAGE);
    expect(p?.id).toBe(PAGE);
    expect(clock.now() - start).toBe(2000);
    expect(mock.calls[1]!.at - mock.calls[0]!.at).toBe(2000);
    expect(notion.stats).toMatchObject({ requests: 2, rateLimited: 1, retries: 1, waitedMs: 2000 });
  });

  it('honours Retry-After as an HTTP-date, measured on the injected clock', async () => {
    const { clock, mock, notion } = setup();
    const at = new Date(clock.now() + 7000).toUTCString();
    mock.on('GET /v1/pages/:id', [notionError(429, 'rate_limited', 'slow down', { 'retry-after': at }), json(page(PAGE))]);
    const start = clock.now();
    await notion.retrievePage(PAGE);
    expect(clock.now() - start).toBe(7000);
  });

  it('retries 529 service_overload like a 429, even for creates (nothing was committed)', async () => {
    const { clock, mock, notion } = setup();
    const created = uuid(0xc4ea);
    mock.on('POST /v1/pages', [notionError(529, 'service_overload', 'busy', { 'retry-after': '1' }), json(page(created))]);
    const start = clock.now();
    const p = await notion.createPage(DS_ID, Build.properties({ Name: Build.title('x') }));
    expect(p.id).toBe(created);
    expect(mock.count('POST', '/v1/pages')).toBe(2);
    expect(clock.now() - start).toBe(1000);
    expect(notion.stats.rateLimited).toBe(0); // counts 429s only
  });

  it('falls back to exponential backoff with jitter when Retry-After is absent', async () => {
    const { clock, mock, notion } = setup({ random: () => 0.5 });
    mock.on('GET /v1/pages/:id', [notionError(429, 'rate_limited'), notionError(429, 'rate_limited'), notionError(429, 'rate_limited'), json(page(PAGE))]);
    await notion.retrievePage(PAGE);
    const gaps = mock.calls.slice(1).map((c, i) => c.at - mock.calls[i]!.at);
    // base 1000 · 2^attempt, "equal jitter" with random 0.5 → 75 % of the ceiling
    expect(gaps).toEqual([750, 1500, 3000]);
    expect(notion.stats.retries).toBe(3);
    expect(clock.slept).toBe(750 + 1500 + 3000);
  });

  it('gives up after maxRetries and surfaces rate_limited', async () => {
    const { mock, notion } = setup({ maxRetries: 5 });
    mock.on('GET /v1/pages/:id', [notionError(429, 'rate_limited', 'slow down', { 'retry-after': '1' })]);
    const e = await caught(notion.retrievePage(PAGE));
    expect(e.kind).toBe('rate_limited');
    expect(e.retryable).toBe(true);
    expect(mock.calls).toHaveLength(6);
    expect(notion.stats).toMatchObject({ requests: 6, rateLimited: 6, retries: 5 });
  });

  it('holds other requests sharing the token while one waits out a 429', async () => {
    const { mock, notion } = setup();
    let first = true;
    mock.on('GET /v1/pages/:id', (req) => {
      if (first) {
        first = false;
        return notionError(429, 'rate_limited', 'slow down', { 'retry-after': '10' });
      }
      return json(page(req.params.id!));
    });
    await notion.retrievePage(PAGE);
    await notion.retrievePage(uuid(0xbeef));
    const [a, b, c] = mock.calls.map((x) => x.at - mock.calls[0]!.at);
    expect([a, b]).toEqual([0, 10_000]);
    expect(c).toBeGreaterThanOrEqual(10_000 + 1000 / 3); // resumes at the sustained rate, no burst
  });
});

describe('server errors, timeouts and network failures', () => {
  it('retries a 503 on query (a POST that only reads)', async () => {
    const { mock, notion } = setup();
    mock.on('POST /v1/data_sources/:id/query', [notionError(503, 'service_unavailable'), json(list([page(PAGE)]))]);
    const pages = await collect(notion.queryPages(DS_ID));
    expect(pages.map((p) => p.id)).toEqual([PAGE]);
    expect(notion.stats.byEndpoint['POST /v1/data_sources/:id/query']).toBe(2);
    expect(notion.stats.retries).toBe(1);
  });

  it('never retries a create on 503: fails transient with mayHaveCommitted', async () => {
    const { mock, notion } = setup();
    mock.on('POST /v1/pages', [notionError(503, 'service_unavailable'), json(page(uuid()))]);
    const e = await caught(notion.createPage(DS_ID, Build.properties({ Name: Build.title('x') })));
    expect(e).toMatchObject({ kind: 'transient', status: 503, code: 'service_unavailable', mayHaveCommitted: true, retryable: false });
    expect(e.message).toMatch(/may have been created.*look it up/);
    expect(mock.count('POST', '/v1/pages')).toBe(1);
    expect(notion.stats.retries).toBe(0);
  });

  it('never retries a create on a network error either', async () => {
    const { mock, notion } = setup();
    mock.on('POST /v1/pages', [networkError('ECONNRESET'), json(page(uuid()))]);
    const e = await caught(notion.createPage(DS_ID, {}));
    expect(e).toMatchObject({ kind: 'transient', mayHaveCommitted: true });
    expect(mock.calls).toHaveLength(1);
  });

  it('retries a network error on retrieve', async () => {
    const { mock, notion } = setup();
    mock.on('GET /v1/pages/:id', [networkError('ECONNRESET'), new Error('socket hang up'), json(page(PAGE))]);
    expect((await notion.retrievePage(PAGE))?.id).toBe(PAGE);
    expect(mock.calls).toHaveLength(3);
    expect(notion.stats.retries).toBe(2);
  });

  it('retries an idempotent update on a non-JSON 502 from a proxy', async () => {
    const { mock, notion } = setup();
    mock.on('PATCH /v1/pages/:id', [new Response('<html>Bad Gateway</html>', { status: 502, headers: { 'content-type': 'text/html' } }), json(page(PAGE))]);
    const p = await notion.updatePage(PAGE, { properties: Build.properties({ Name: Build.title('y') }) });
    expect(p.id).toBe(PAGE);
    expect(mock.calls.map((c) => c.body)).toEqual([
      { properties: { Name: { title: [{ type: 'text', text: { content: 'y' } }] } } },
      { properties: { Name: { title: [{ type: 'text', text: { content: 'y' } }] } } },
    ]);
  });

  it('retries 500 and 504 on reads', async () => {
    const { mock, notion } = setup();
    mock.on('GET /v1/pages/:id', [notionError(500, 'internal_server_error'), notionError(504, 'gateway_timeout'), json(page(PAGE))]);
    await notion.retrievePage(PAGE);
    expect(mock.calls).toHaveLength(3);
  });

  describe('request timeout', () => {
    afterEach(() => vi.useRealTimers());

    it('times a hung request out and retries the read', async () => {
      vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
      const { mock, notion } = setup({ timeoutMs: 5000 });
      let n = 0;
      mock.on('GET /v1/pages/:id', (req) => {
        if (++n > 1) return json(page(PAGE));
        return new Promise<Response>(() => {}); // hangs; only the abort ends it
      });
      // The mock ignores the abort signal, like a dead socket; the transport must still give up.
      const result = notion.retrievePage(PAGE);
      await vi.advanceTimersByTimeAsync(5000);
      expect((await result)?.id).toBe(PAGE);
      expect(notion.stats.retries).toBe(1);
    });

    it('a timed-out create is not repeated', async () => {
      vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
      const { mock, notion } = setup({ timeoutMs: 5000 });
      mock.on('POST /v1/pages', () => new Promise<Response>(() => {}));
      const result = caught(notion.createPage(DS_ID, {}));
      await vi.advanceTimersByTimeAsync(5000);
      const e = await result;
      expect(e).toMatchObject({ kind: 'transient', code: 'request_timeout', mayHaveCommitted: true });
      expect(mock.calls).toHaveLength(1);
    });
  });
});

describe('errors that are not retried here', () => {
  it('401 → auth, one request, a message that says what to do and never the token', async () => {
    const { mock, notion } = setup();
    mock.on('GET /v1/pages/:id', [notionError(401, 'unauthorized', `API token ${TOKEN} is invalid.`)]);
    const e = await caught(notion.retrievePage(PAGE));
    expect(e.kind).toBe('auth');
    expect(e.retryable).toBe(false);
    expect(e.message).toMatch(/check NOTION_TOKEN and that the database is shared with the integration/);
    expect(e.message).not.toContain(TOKEN);
    expect(mock.calls).toHaveLength(1);
    expect(mock.calls[0]!.headers.authorization).toBe(`Bearer ${TOKEN}`);
  });

  it('409 conflict → conflict, not retried (callers re-read)', async () => {
    const { mock, notion } = setup();
    mock.on('PATCH /v1/pages/:id', [notionError(409, 'conflict_error')]);
    const e = await caught(notion.updatePage(PAGE, { in_trash: true }));
    expect(e.kind).toBe('conflict');
    expect(mock.calls).toHaveLength(1);
  });

  it('400 validation_error → validation, not retried', async () => {
    const { mock, notion } = setup();
    mock.on('POST /v1/pages', [notionError(400, 'validation_error', 'body failed validation: body.properties.Name.title should be defined')]);
    const e = await caught(notion.createPage(DS_ID, {}));
    expect(e).toMatchObject({ kind: 'validation', status: 400, requestId: 'req-validation_error' });
    expect(e.mayHaveCommitted).toBeUndefined();
    expect(e.message).toMatch(/POST \/v1\/pages failed \(400 validation_error\): body failed validation/);
  });

  it('the SDK sends the pinned Notion-Version and no request is retried by the SDK itself', async () => {
    const { mock, notion } = setup({ maxRetries: 0 });
    mock.on('GET /v1/pages/:id', [notionError(500, 'internal_server_error'), json(page(PAGE))]);
    await caught(notion.retrievePage(PAGE));
    expect(mock.calls).toHaveLength(1);
    expect(mock.calls[0]!.headers['notion-version']).toBe('2025-09-03');
  });
});

describe('decideRetry (the policy, as a table)', () => {
  const err = (kind: NotionSyncError['kind'], extra: Partial<ConstructorParameters<typeof NotionSyncError>[0]> = {}) =>
    new NotionSyncError({ kind, message: kind, ...extra });
  const cases: Array<[string, NotionSyncError, RequestKind, boolean]> = [
    ['429 read', err('rate_limited'), 'read', true],
    ['429 create', err('rate_limited'), 'create', true],
    ['503 read', err('transient'), 'read', true],
    ['503 update', err('transient'), 'idempotent_write', true],
    ['503 create', err('transient', { retryable: false, mayHaveCommitted: true }), 'create', false],
    ['transient create even if marked retryable', err('transient'), 'create', false],
    ['unexpected bug', err('transient', { retryable: false }), 'read', false],
    ['409', err('conflict'), 'idempotent_write', false],
    ['401', err('auth'), 'read', false],
    ['404', err('not_found'), 'read', false],
    ['400', err('validation'), 'read', false],
  ];
  it.each(cases)('%s → retry %s', (_n, e, kind, retry) => {
    expect(decideRetry(e, kind, 0, DEFAULT_RETRY_POLICY, 0, () => 0.5).retry).toBe(retry);
  });

  it('stops at maxRetries', () => {
    expect(decideRetry(err('rate_limited'), 'read', 5, DEFAULT_RETRY_POLICY, 0, Math.random).retry).toBe(false);
  });

  it('caps the backoff and clamps absurd Retry-After values', () => {
    const d = decideRetry(err('transient'), 'read', 20, { ...DEFAULT_RETRY_POLICY, maxRetries: 99 }, 0, () => 1);
    expect(d).toEqual({ retry: true, delayMs: 60_000 });
    expect(retryAfterMs('999999', 0, DEFAULT_RETRY_POLICY)).toBe(15 * 60_000);
    expect(retryAfterMs('0', 0, DEFAULT_RETRY_POLICY)).toBe(0);
    expect(retryAfterMs('soon', 0, DEFAULT_RETRY_POLICY)).toBeUndefined();
    expect(retryAfterMs(new Date(1000).toUTCString(), 5000, DEFAULT_RETRY_POLICY)).toBe(0); // in the past
  });
});

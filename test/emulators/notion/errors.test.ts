/** Errors look like Notion's, so the SDK parses them into APIResponseError with the right code. */
import { APIErrorCode, APIResponseError, Client, UnknownHTTPResponseError } from '@notionhq/client';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { BOOKS_DS, raw, smallSeed, start, title, TOKEN, type Started } from './helpers.ts';

let t: Started;
beforeEach(async () => {
  t = await start({ seed: smallSeed(), tokens: [TOKEN] });
});
afterEach(async () => {
  await t.emulator.close();
});

async function caught(p: Promise<unknown>): Promise<any> {
  try {
    await p;
  } catch (e) {
    return e;
  }
  throw new Error('expected a rejection');
}

describe('error responses', () => {
  it('401 unauthorized for an unknown token', async () => {
    const c = new Client({ auth: 'wrong', baseUrl: t.url, retry: false, logger: () => {} });
    const e = await caught(c.users.me({}));
    expect(APIResponseError.isAPIResponseError(e)).toBe(true);
    expect(e).toMatchObject({ code: APIErrorCode.Unauthorized, status: 401 });
    const r = await raw(t.url, 'GET', '/v1/users/me', { token: null });
    expect(r.status).toBe(401);
    expect(r.json).toMatchObject({ object: 'error', status: 401, code: 'unauthorized', request_id: expect.any(String) });
  });

  it("404 object_not_found with Notion's wording", async () => {
    const e = await caught(t.client.pages.retrieve({ page_id: '0123456789abcdef0123456789ABCDEF' }));
    expect(e).toBeInstanceOf(APIResponseError);
    expect(e.code).toBe('object_not_found');
    expect(e.message).toBe(
      'Could not find page with ID: 01234567-89ab-cdef-0123-456789abcdef. Make sure the relevant pages and databases are shared with your integration.',
    );
    expect(e.request_id).toEqual(expect.any(String));
    const ds = await caught(t.client.dataSources.query({ data_source_id: '0123456789abcdef0123456789abcdef' }));
    expect(ds.code).toBe('object_not_found');
  });

  it('400 validation_error for over-long text, unknown properties and wrong value types', async () => {
    const long = await caught(
      t.client.pages.create({ parent: { data_source_id: BOOKS_DS }, properties: { Title: title('x'.repeat(2001)) } }),
    );
    expect(long).toMatchObject({
      code: 'validation_error',
      status: 400,
      message: 'body failed validation: body.properties.Title.title[0].text.content.length should be ≤ `2000`, instead was `2001`.',
    });
    const many = await caught(
      t.client.pages.create({
        parent: { data_source_id: BOOKS_DS },
        properties: { Title: { title: Array.from({ length: 101 }, () => ({ text: { content: 'a' } })) } },
      }),
    );
    expect(many.message).toBe('body failed validation: body.properties.Title.title.length should be ≤ `100`, instead was `101`.');
    const unknown = await caught(t.client.pages.create({ parent: { data_source_id: BOOKS_DS }, properties: { Nope: title('x') } }));
    expect(unknown.message).toBe('Nope is not a property that exists.');
    const wrongType = await caught(t.client.pages.create({ parent: { data_source_id: BOOKS_DS }, properties: { Pages: { rich_text: [] } as any } }));
    expect(wrongType.message).toBe('Pages is expected to be number.');
    const url = await caught(t.client.pages.create({ parent: { data_source_id: BOOKS_DS }, properties: { Link: { url: 'h'.repeat(2001) } } }));
    expect(url.message).toBe('body failed validation: body.properties.Link.url.length should be ≤ `2000`, instead was `2001`.');
    const comma = await caught(t.client.pages.create({ parent: { data_source_id: BOOKS_DS }, properties: { Status: { select: { name: 'a,b' } } } }));
    expect(comma.code).toBe('validation_error');
    const computed = await caught(t.client.pages.create({ parent: { data_source_id: BOOKS_DS }, properties: { Key: { unique_id: { number: 3 } } as any } }));
    expect(computed.code).toBe('validation_error');
  });

  it('missing Notion-Version is missing_version (not in the SDK enum), bad JSON is invalid_json, unknown routes are invalid_request_url', async () => {
    const missing = await raw(t.url, 'GET', '/v1/users/me', { version: null });
    expect(missing.status).toBe(400);
    expect(missing.json.code).toBe('missing_version');
    const bad = await raw(t.url, 'POST', '/v1/pages', { body: '{"parent":' });
    expect(bad.json).toMatchObject({ status: 400, code: 'invalid_json' });
    const route = await caught(t.client.request({ path: 'nothing/here', method: 'get' }));
    expect(route).toMatchObject({ code: 'invalid_request_url', status: 400 });
  });

  it('a body over 500 KB is rejected with 413', async () => {
    const body = JSON.stringify({ parent: { data_source_id: BOOKS_DS }, properties: {}, children: 'x'.repeat(520 * 1024) });
    const r = await raw(t.url, 'POST', '/v1/pages', { body });
    expect(r.status).toBe(413);
    expect(r.json.code).toBe('validation_error');
    expect(t.emulator.listPages(BOOKS_DS)).toHaveLength(2);
  });

  it('a missing version surfaces in the SDK as UnknownHTTPResponseError (as with the real API)', async () => {
    const r = await raw(t.url, 'GET', '/v1/users/me', { version: null });
    const e = await caught(
      new Client({
        auth: TOKEN,
        baseUrl: t.url,
        retry: false,
        logger: () => {},
        fetch: (url, init) => fetch(url, { ...init, headers: { authorization: `Bearer ${TOKEN}` } }) as any,
      }).users.me({}),
    );
    expect(r.status).toBe(400);
    expect(UnknownHTTPResponseError.isUnknownHTTPResponseError(e)).toBe(true);
  });
});

describe('rate limiting', () => {
  it('429 rate_limited with an integer Retry-After once the bucket is empty; refills on the clock', async () => {
    t.emulator.setRateLimit({ requestsPerSecond: 3, burst: 3 });
    for (let i = 0; i < 3; i++) await t.client.users.me({});
    const e = await caught(t.client.users.me({}));
    expect(e).toBeInstanceOf(APIResponseError);
    expect(e).toMatchObject({ code: 'rate_limited', status: 429 });
    expect(e.headers.get('retry-after')).toBe('1');
    expect(JSON.parse(e.body)).toMatchObject({ object: 'error', status: 429, code: 'rate_limited' });
    t.clock.advance(340); // one token back at 3/s
    await t.client.users.me({});
    await expect(t.client.users.me({})).rejects.toMatchObject({ code: 'rate_limited' });
  });

  it('buckets are per token', async () => {
    await t.emulator.close();
    t = await start({ seed: smallSeed(), rateLimit: { requestsPerSecond: 1, burst: 1 } });
    const other = new Client({ auth: 'someone-else', baseUrl: t.url, retry: false, logger: () => {} });
    await t.client.users.me({});
    await other.users.me({});
    await expect(t.client.users.me({})).rejects.toMatchObject({ code: 'rate_limited' });
    t.clock.advance(1000);
    await t.client.users.me({});
  });

  it('Retry-After reflects the refill time at slow rates', async () => {
    t.emulator.setRateLimit({ requestsPerSecond: 0.25, burst: 1 });
    await t.client.users.me({});
    const e = await caught(t.client.users.me({}));
    expect(e.headers.get('retry-after')).toBe('4');
  });
});

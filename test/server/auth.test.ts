/**
 * The bearer token is compared in constant time: both sides are hashed to 32 bytes and compared by
 * crypto.timingSafeEqual, whatever their lengths — so a wrong token's length leaks nothing either.
 */
import { Hono } from 'hono';
import { beforeEach, describe, expect, it, vi } from 'vitest';

const timingSafeEqual = vi.hoisted(() => ({ calls: [] as Array<[Buffer, Buffer]> }));
vi.mock('node:crypto', async (importOriginal) => {
  const actual = await importOriginal<typeof import('node:crypto')>();
  return {
    ...actual,
    timingSafeEqual: (a: NodeJS.ArrayBufferView, b: NodeJS.ArrayBufferView) => {
      timingSafeEqual.calls.push([Buffer.from(a.buffer, a.byteOffset, a.byteLength), Buffer.from(b.buffer, b.byteOffset, b.byteLength)]);
      return actual.timingSafeEqual(a, b);
    },
  };
});

const { bearerToken, requireBearer, secretsMatch } = await import('../../src/server/auth.ts');

const TOKEN = 'the-configured-token-0123456789';

function app(token: string | null) {
  const a = new Hono();
  a.onError((err, c) => ((err as any).getResponse ? (err as any).getResponse() : c.text('boom', 500)));
  a.use('*', requireBearer(token));
  a.get('/x', (c) => c.json({ ok: true }));
  return a;
}

describe('bearer authentication', () => {
  beforeEach(() => {
    timingSafeEqual.calls.length = 0;
  });

  it.each([
    ['the right token', `Bearer ${TOKEN}`, 200],
    ['a wrong token of the same length', `Bearer ${TOKEN.slice(0, -1)}X`, 401],
    ['a shorter token', 'Bearer t', 401],
    ['a much longer token', `Bearer ${TOKEN.repeat(10)}`, 401],
    ['no header', undefined, 401],
    ['another scheme', `Basic ${TOKEN}`, 401],
  ])('%s → %i, compared with timingSafeEqual over two 32-byte digests', async (_, header, status) => {
    const r = await app(TOKEN).request('/x', { headers: header ? { authorization: header } : {} });
    expect(r.status).toBe(status);
    expect(timingSafeEqual.calls).toHaveLength(1);
    const [a, b] = timingSafeEqual.calls[0]!;
    expect([a.length, b.length]).toEqual([32, 32]);
  });

  it('secretsMatch and bearerToken', () => {
    expect(secretsMatch('abc', 'abc')).toBe(true);
    expect(secretsMatch('abc', 'abd')).toBe(false);
    expect(secretsMatch('', 'abc')).toBe(false);
    expect(bearerToken('Bearer  abc ')).toBe('abc');
    expect(bearerToken('bearer abc')).toBe('abc');
    expect(bearerToken('Bearer a b')).toBeNull();
    expect(bearerToken(undefined)).toBeNull();
  });

  it('a 401 says what is missing and never echoes the token', async () => {
    const r = await app(TOKEN).request('/x', { headers: { authorization: 'Bearer guess-0123456789' } });
    expect(await r.json()).toEqual({ error: 'invalid token' });
    const missing = await app(TOKEN).request('/x');
    expect(await missing.json()).toEqual({ error: 'missing Authorization: Bearer <SYNC_API_TOKEN>' });
  });
});

/**
 * Bearer-token authentication. The comparison hashes both sides to 32 bytes and compares them with
 * crypto.timingSafeEqual, so neither the token's content nor its length leaks through timing.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { MiddlewareHandler } from 'hono';
import { HTTPException } from 'hono/http-exception';

const digest = (s: string) => createHash('sha256').update(s, 'utf8').digest();

/** Constant-time equality of two secrets of any length. */
export function secretsMatch(given: string, expected: string): boolean {
  return timingSafeEqual(digest(given), digest(expected));
}

/** The token of an `Authorization: Bearer <token>` header, or null. */
export function bearerToken(header: string | undefined): string | null {
  const m = /^Bearer[ \t]+(\S+)[ \t]*$/i.exec(header ?? '');
  return m ? m[1]! : null;
}

function unauthorized(message: string): HTTPException {
  return new HTTPException(401, {
    message,
    res: new Response(JSON.stringify({ error: message }), {
      status: 401,
      headers: { 'content-type': 'application/json; charset=utf-8', 'www-authenticate': 'Bearer realm="jarvis-sync"' },
    }),
  });
}

/**
 * Requires `Authorization: Bearer <token>`. With no token configured the server only listens on
 * loopback (see serve), so requests are let through — except those relayed by a proxy or sent by a
 * web page of another origin, which would otherwise open the API beyond this machine.
 */
export function requireBearer(token: string | null): MiddlewareHandler {
  return async (c, next) => {
    if (token === null) {
      if (c.req.header('x-forwarded-for') || c.req.header('forwarded')) {
        throw unauthorized('SYNC_API_TOKEN is not set, so the API only answers local requests, not ones relayed by a proxy; set SYNC_API_TOKEN');
      }
      const origin = c.req.header('origin');
      if (origin && !sameOrigin(origin, new URL(c.req.url).host)) {
        throw unauthorized('SYNC_API_TOKEN is not set, so the API refuses requests from other web origins; set SYNC_API_TOKEN');
      }
      return next();
    }
    const given = bearerToken(c.req.header('authorization'));
    // Compared even when absent, so a missing header costs the same as a wrong one.
    const ok = secretsMatch(given ?? '', token) && given !== null;
    if (!ok) throw unauthorized(given === null ? 'missing Authorization: Bearer <SYNC_API_TOKEN>' : 'invalid token');
    return next();
  };
}

function sameOrigin(origin: string, host: string): boolean {
  try {
    return new URL(origin).host === host;
  } catch {
    return false;
  }
}

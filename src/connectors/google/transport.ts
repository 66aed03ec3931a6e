/**
 * How the connector hooks into gaxios, the HTTP layer under every @googleapis/* client and the
 * OAuth2Client. All three API clients send through the OAuth2Client's transporter (googleapis-common
 * calls `auth.request(options)`), and so does the token refresh; that one Gaxios instance gets:
 *
 * - a fetchImplementation (createPacedFetch): every real HTTP request, API call or token refresh,
 *   takes a pacer token, is counted per endpoint, and is timed from when it really goes out;
 * - a request interceptor (enforceConnectorPolicy) that turns gaxios's own retries off (the token
 *   refresh asks for them explicitly, per request, so transporter defaults are not enough) and
 *   installs our error redactor (gaxios's default leaves the refresh_token in a failed refresh's
 *   body).
 */
import type { OAuth2Client } from 'google-auth-library';
import type { Pacer } from '../notion/pacer.ts';
import { GoogleRequestTimeoutError } from './errors.ts';
import type { GoogleRequestStats } from './types.ts';

export interface TransportOptions {
  fetch: typeof fetch;
  pacer: Pacer;
  stats: GoogleRequestStats;
  timeoutMs: number;
}

export { createStats, resetStats } from '../requestStats.ts';

/** Statuses whose Response may not carry a body. */
const NULL_BODY_STATUSES = new Set([101, 204, 205, 304]);

/**
 * The fetch handed to gaxios as fetchImplementation. gaxios calls it with (URL, its prepared
 * options); only the RequestInit part is passed on.
 */
export function createPacedFetch(opts: TransportOptions): typeof fetch {
  return async (input, init) => {
    const slot = await opts.pacer.acquire();
    opts.stats.waitedMs += slot.waitedMs;
    const url = input instanceof URL ? input.href : typeof input === 'string' ? input : input.url;
    const method = (init?.method ?? 'GET').toUpperCase();
    const key = endpointKey(method, url);
    opts.stats.requests++;
    opts.stats.byEndpoint[key] = (opts.stats.byEndpoint[key] ?? 0) + 1;

    // Our own timeout rather than gaxios's `timeout`: that one starts before the pacer wait,
    // turning a long queue into false timeouts (and false "may have committed" creates). This
    // one starts when the request really goes out, covers the body, and aborts the socket.
    // Racing the abort as well means a fetch that ignores its signal cannot hang us.
    const controller = new AbortController();
    let timer: ReturnType<typeof setTimeout> | undefined;
    const timedOut = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        reject(new GoogleRequestTimeoutError(opts.timeoutMs));
        controller.abort();
      }, opts.timeoutMs);
    });
    timedOut.catch(() => {}); // only observed through the races below
    const signal = init?.signal ? AbortSignal.any([init.signal, controller.signal]) : controller.signal;
    const requestInit: RequestInit & { duplex?: string } = { method, headers: init?.headers, body: init?.body, signal };
    if (init?.body) requestInit.duplex = 'half';
    try {
      const response = await Promise.race([opts.fetch(url, requestInit), timedOut]);
      const body = await Promise.race([response.arrayBuffer(), timedOut]);
      // Handed back fully read, so gaxios parses a body that is already here.
      return new Response(NULL_BODY_STATUSES.has(response.status) ? null : body, {
        status: response.status,
        statusText: response.statusText,
        headers: response.headers,
      });
    } finally {
      clearTimeout(timer);
      slot.answered();
    }
  };
}

/** Known routes; ids become :params so keys aggregate. Matched on the path (any host). */
const ROUTES: Array<[RegExp, string]> = [
  [/^\/calendar\/v3\/calendars\/[^/]+\/events$/, '/calendar/v3/calendars/:calendarId/events'],
  [/^\/gmail\/v1\/users\/me\/profile$/, '/gmail/v1/users/me/profile'],
  [/^\/gmail\/v1\/users\/me\/messages$/, '/gmail/v1/users/me/messages'],
  [/^\/gmail\/v1\/users\/me\/messages\/[^/]+$/, '/gmail/v1/users/me/messages/:id'],
  [/^\/gmail\/v1\/users\/me\/history$/, '/gmail/v1/users/me/history'],
  [/^\/v1\/people\/me\/connections$/, '/v1/people/me/connections'],
  [/^\/v1\/people:createContact$/, '/v1/people:createContact'],
  [/^\/v1\/people\/[^/:]+:updateContact$/, '/v1/people/:id:updateContact'],
  [/^\/v1\/people\/[^/:]+:deleteContact$/, '/v1/people/:id:deleteContact'],
  [/^\/v1\/people\/[^/:]+$/, '/v1/people/:id'],
  [/\/token$/, '/token'],
];

/** "GET /gmail/v1/users/me/messages/:id", "POST /token", … */
export function endpointKey(method: string, url: string): string {
  let path: string;
  try {
    path = new URL(url).pathname;
  } catch {
    path = url.split('?')[0] ?? url;
  }
  const route = ROUTES.find(([re]) => re.test(path));
  return `${method.toUpperCase()} ${route ? route[1] : path}`;
}

type RequestInterceptor = Parameters<OAuth2Client['transporter']['interceptors']['request']['add']>[0];
type PreparedOptions = Parameters<NonNullable<NonNullable<RequestInterceptor>['resolved']>>[0];
type ErrorRedactor = Exclude<NonNullable<PreparedOptions['errorRedactor']>, false>;

/** Installed on the OAuth2Client's transporter: applies to API calls and token refreshes alike. */
export const enforceConnectorPolicy: NonNullable<RequestInterceptor> = {
  resolved: async (config) => {
    // Exactly one retry policy (retry.ts). OAuth2Client's refresh passes retry: true per request.
    config.retry = false;
    delete config.retryConfig;
    config.errorRedactor = redactGaxiosError;
    return config;
  },
};

const REDACTED = '[redacted]';
const SECRET_BODY = /refresh_token|client_secret|access_token|assertion|grant_type|code_verifier/i;
const SECRET_QUERY_PARAMS = ['access_token', 'key', 'token', 'client_secret', 'refresh_token'];

/**
 * gaxios's errorRedactor: scrubs what a GaxiosError keeps of its request (we keep it as `cause`,
 * and loggers print causes): the Authorization header, a token request's form body, secret query
 * parameters. Works on the error's own copies; never touches the live request.
 */
export const redactGaxiosError: ErrorRedactor = (data) => {
  const scrubConfig = (config: { headers?: unknown; data?: unknown; body?: unknown; url?: unknown } | undefined) => {
    if (!config) return;
    if (config.headers instanceof Headers) {
      const headers = new Headers(config.headers);
      for (const name of ['authorization', 'x-goog-api-key']) if (headers.has(name)) headers.set(name, REDACTED);
      config.headers = headers;
    }
    for (const field of ['data', 'body'] as const) {
      const value = config[field];
      if (value instanceof URLSearchParams || (typeof value === 'string' && SECRET_BODY.test(value))) config[field] = REDACTED;
    }
    if (config.url instanceof URL) {
      const url = new URL(config.url);
      for (const p of SECRET_QUERY_PARAMS) if (url.searchParams.has(p)) url.searchParams.set(p, REDACTED);
      config.url = url;
    }
  };
  scrubConfig(data.config);
  scrubConfig(data.response?.config);
  return data;
};

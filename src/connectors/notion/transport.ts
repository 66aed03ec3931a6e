/**
 * The fetch handed to the SDK. Wrapping fetch (rather than SDK methods) is what lets us see every
 * real HTTP request, including each retry, each query page and each property-item page:
 * it takes a pacer token, counts the request per endpoint, and enforces the request timeout.
 */
import { RequestTimeoutError } from '@notionhq/client';
import type { Pacer } from './pacer.ts';
import type { NotionRequestStats } from './types.ts';

/** The fetch signature the SDK calls (its SupportedFetch, narrowed to what we use). */
type SdkFetch = (
  url: string,
  init?: { method?: string; headers?: Record<string, string>; body?: string | FormData },
) => Promise<{ ok: boolean; status: number; headers: unknown; text: () => Promise<string> }>;

export interface TransportOptions {
  fetch: typeof fetch;
  /** The SDK's base URL; everything after `${baseUrl}/v1/` is the path we classify. */
  baseUrl: string;
  pacer: Pacer;
  stats: NotionRequestStats;
  timeoutMs: number;
}

export { createStats, resetStats } from '../requestStats.ts';

export function createPacedFetch(opts: TransportOptions): SdkFetch {
  const prefix = `${opts.baseUrl.replace(/\/+$/, '')}/v1/`;
  return async (url, init = {}) => {
    const slot = await opts.pacer.acquire();
    opts.stats.waitedMs += slot.waitedMs;
    const key = endpointKey(init.method ?? 'GET', url, prefix);
    opts.stats.requests++;
    opts.stats.byEndpoint[key] = (opts.stats.byEndpoint[key] ?? 0) + 1;

    // Our own timeout rather than the SDK's: the SDK's timer would also run while a request
    // waits for its pacer slot, turning a long queue into false timeouts (and false
    // "may have committed" creates). This one starts when the request really goes out,
    // covers the body, and aborts the socket.
    // Racing the abort as well means a fetch that ignores its signal cannot hang us.
    const controller = new AbortController();
    let timer: ReturnType<typeof setTimeout> | undefined;
    const timedOut = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        reject(new RequestTimeoutError(`Request to Notion API timed out after ${opts.timeoutMs} ms`));
        controller.abort();
      }, opts.timeoutMs);
    });
    timedOut.catch(() => {}); // only observed through the races below
    try {
      const response = await Promise.race([opts.fetch(url, { ...(init as RequestInit), signal: controller.signal }), timedOut]);
      const text = await Promise.race([response.text(), timedOut]);
      if (response.status === 429) opts.stats.rateLimited++;
      return { ok: response.ok, status: response.status, headers: response.headers, text: async () => text };
    } finally {
      clearTimeout(timer);
      slot.answered();
    }
  };
}

/** Known routes, most specific first; ids become :id so keys aggregate. */
const ROUTES: Array<[RegExp, string]> = [
  [/^pages\/[^/]+\/properties\/[^/]+$/, 'pages/:id/properties/:pid'],
  [/^data_sources\/[^/]+\/query$/, 'data_sources/:id/query'],
  [/^data_sources\/[^/]+$/, 'data_sources/:id'],
  [/^databases\/[^/]+$/, 'databases/:id'],
  [/^pages\/[^/]+$/, 'pages/:id'],
];
const ID_SEGMENT = /^[0-9a-f]{8}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{12}$/i;

/** "POST /v1/data_sources/:id/query", "GET /v1/pages/:id/properties/:pid", … */
export function endpointKey(method: string, url: string, prefix: string): string {
  const withoutQuery = url.split('?')[0] ?? url;
  const path = withoutQuery.startsWith(prefix) ? withoutQuery.slice(prefix.length) : new URL(withoutQuery).pathname.replace(/^\/?v1\//, '');
  const route = ROUTES.find(([re]) => re.test(path));
  const template = route ? route[1] : path.split('/').map((s) => (ID_SEGMENT.test(s) ? ':id' : s)).join('/');
  return `${method.toUpperCase()} /v1/${template}`;
}

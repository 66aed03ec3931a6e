/**
 * An HTTP front for an emulator, for the multi-process campaign: each request goes straight to the
 * emulator's handler (so a write is applied at once), but with probability `timeoutRate` its
 * response is held back past the client's timeout — "committed, then timed out". It also scales
 * Retry-After down (a 429 asks for 1 s; the campaign compresses time), keeping its meaning.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface FaultProxy {
  url: string;
  /** Probability that a response is held back by `holdMs` (0 = off). */
  setTimeouts(rate: number, holdMs: number): void;
  readonly timeoutsInjected: number;
  close(): Promise<void>;
}

export async function startProxy(handle: (req: IncomingMessage, res: ServerResponse) => void, random: () => number, retryAfterScale = 20): Promise<FaultProxy> {
  let rate = 0;
  let holdMs = 0;
  let injected = 0;
  const server: Server = createServer((req, res) => {
    const hold = rate > 0 && random() < rate ? holdMs : 0;
    if (hold) injected++;
    intercept(res, hold, retryAfterScale);
    handle(req, res);
  });
  server.keepAliveTimeout = 5_000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    setTimeouts(r, ms) {
      rate = r;
      holdMs = ms;
    },
    get timeoutsInjected() {
      return injected;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

/** Rewrites Retry-After and, when `hold` > 0, sends the (already computed) response only after `hold` ms. */
function intercept(res: ServerResponse, hold: number, scale: number): void {
  const writeHead = res.writeHead.bind(res) as (...a: unknown[]) => ServerResponse;
  const end = res.end.bind(res) as (...a: unknown[]) => ServerResponse;
  let head: unknown[] | null = null;
  (res as any).writeHead = (...args: unknown[]) => {
    const headers = args.find((a, i) => i > 0 && typeof a === 'object' && a !== null) as Record<string, unknown> | undefined;
    if (headers) {
      for (const k of Object.keys(headers)) {
        const v = Number(headers[k]);
        if (k.toLowerCase() === 'retry-after' && Number.isFinite(v)) headers[k] = String(Math.max(0.05, v / scale));
      }
    }
    if (!hold) return writeHead(...args);
    head = args;
    return res;
  };
  if (!hold) return;
  (res as any).end = (...args: unknown[]) => {
    setTimeout(() => {
      if (res.destroyed || res.writableEnded) return;
      try {
        if (head) writeHead(...head);
        end(...args);
      } catch {
        // the client gave up and the socket is gone: that was the point
      }
    }, hold).unref();
    return res;
  };
}

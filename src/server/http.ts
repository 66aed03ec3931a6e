/**
 * Serves a Hono app over Node's HTTP server (@hono/node-server), and the bind-safety rule: without
 * SYNC_API_TOKEN only a loopback address may be bound.
 */
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { serve } from '@hono/node-server';
import type { Hono } from 'hono';
import { ConfigError } from '../config/index.ts';

export interface HttpServer {
  /** e.g. http://127.0.0.1:8787 */
  url: string;
  port: number;
  /** Stops accepting connections, ends idle keep-alive ones, and resolves when the server is closed. */
  close(): Promise<void>;
}

export function isLoopback(host: string): boolean {
  const h = host.trim().toLowerCase().replace(/^\[|\]$/g, '');
  return h === 'localhost' || h === '::1' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(h) || h === '::ffff:127.0.0.1';
}

/** Throws a ConfigError (exit code 2) when `host` is not loopback and there is no token. */
export function assertSafeBind(host: string, apiToken: string | null): void {
  if (apiToken || isLoopback(host)) return;
  throw new ConfigError(
    `refusing to listen on ${host} without SYNC_API_TOKEN: anyone who can reach it could run syncs. Set SYNC_API_TOKEN to a long random string (e.g. \`openssl rand -hex 32\`), or listen on 127.0.0.1 (HOST=127.0.0.1)`,
  );
}

export async function startHttpServer(app: Hono, opts: { host: string; port: number }): Promise<HttpServer> {
  const server = await new Promise<Server>((resolve, reject) => {
    const s = serve({ fetch: app.fetch, hostname: opts.host, port: opts.port }) as Server;
    s.once('listening', () => resolve(s));
    s.once('error', (e: NodeJS.ErrnoException) =>
      reject(e.code === 'EADDRINUSE' ? new ConfigError(`port ${opts.port} on ${opts.host} is in use: stop the other process or set PORT to another port`) : e),
    );
  });
  // Keep-alive connections must not hold a shutdown up.
  server.keepAliveTimeout = 5_000;
  const addr = server.address() as AddressInfo;
  const host = addr.family === 'IPv6' ? `[${addr.address}]` : addr.address;
  return {
    url: `http://${host}:${addr.port}`,
    port: addr.port,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeIdleConnections();
      }),
  };
}

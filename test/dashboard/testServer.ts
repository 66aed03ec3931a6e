/**
 * The real service's HTTP app (createApp: bearer auth, /health, /sync, /runs, the dashboard mounted
 * at `/`) on a real port, over a scenario's run context — wired as `jarvis-sync serve` wires it.
 */
import { Hono } from 'hono';
import { createApp } from '../../src/server/app.ts';
import type { RunContext } from '../../src/engine/context.ts';
import { silentLogger } from '../../src/lib/logger.ts';
import { dashboardRoutes } from '../../src/server/dashboard/index.ts';
import { startHttpServer } from '../../src/server/http.ts';
import type { Freshness } from '../../src/scheduler/freshness.ts';
import { RunManager } from '../../src/scheduler/runManager.ts';

export interface TestServer {
  url: string;
  runs: RunManager;
  /** The Authorization header of each POST /sync/* the server received. */
  syncAuthorizations: Array<string | null>;
  close(): Promise<void>;
}

export async function startTestServer(ctx: RunContext, opts: { token: string | null; mode?: 'live' | 'demo'; freshness?: Freshness }): Promise<TestServer> {
  const runs = new RunManager({ context: ctx, logger: silentLogger, clock: ctx.clock });
  const dashboard = dashboardRoutes({ store: ctx.store, config: ctx.config, runs, now: () => ctx.clock.now(), freshness: opts.freshness });
  const app = createApp({ runs, store: ctx.store, config: ctx.config, logger: silentLogger, clock: ctx.clock, apiToken: opts.token, mode: opts.mode, dashboard });
  const syncAuthorizations: Array<string | null> = [];
  // In front of the app, unchanged: records what the browser sent to start syncs.
  const front = new Hono();
  front.all('*', (c) => {
    if (c.req.method === 'POST' && c.req.path.startsWith('/sync/')) syncAuthorizations.push(c.req.header('authorization') ?? null);
    return app.fetch(c.req.raw);
  });
  const server = await startHttpServer(front, { host: '127.0.0.1', port: 0 });
  return {
    url: server.url,
    runs,
    syncAuthorizations,
    close: async () => {
      await runs.drain(10_000);
      await server.close();
    },
  };
}

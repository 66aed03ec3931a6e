/**
 * The dashboard's routes: the page at `GET /`, its data at `GET /api/dashboard`, and the records a
 * run changed at `GET /api/dashboard/runs/<runId>/changes`.
 *
 * Mount with `app.route('/', dashboardRoutes(deps))` after the bearer-token middleware for
 * `/api/*`: the page itself holds no data and needs no token; the JSON does (when SYNC_API_TOKEN
 * is set). The page asks the user for the token and sends it as `Authorization: Bearer …`.
 */
import { Hono } from 'hono';
import { isRunId, loadRunChanges } from './changes.ts';
import { loadDashboard, type DashboardDeps } from './data.ts';
import { dashboardPage, dashboardPageHeaders } from './page.ts';

export function dashboardRoutes(deps: DashboardDeps): Hono {
  const app = new Hono();
  app.get('/', (c) => {
    for (const [name, value] of Object.entries(dashboardPageHeaders())) c.header(name, value);
    return c.html(dashboardPage());
  });
  app.get('/api/dashboard', async (c) => {
    const data = await loadDashboard(deps);
    c.header('Cache-Control', 'no-store');
    return c.json(data);
  });
  // A run's changes: one sync_logs row per record it changed (`lastRun.logId` is the run's id).
  app.get('/api/dashboard/runs/:runId/changes', async (c) => {
    const runId = c.req.param('runId');
    if (!isRunId(runId)) return c.json({ error: 'the run id is the uuid of the run\'s summary row in sync_logs (lastRun.logId)' }, 400);
    const number = (name: string) => {
      const v = c.req.query(name);
      return v !== undefined && /^\d+$/.test(v) ? Number(v) : undefined;
    };
    const data = await loadRunChanges(deps.store, runId, { limit: number('limit'), offset: number('offset') });
    c.header('Cache-Control', 'no-store');
    if (!data.run && !data.total) return c.json({ error: `no run ${runId} in sync_logs (older than the retention, or never recorded)` }, 404);
    return c.json(data);
  });
  return app;
}

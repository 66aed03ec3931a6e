/**
 * The dashboard's routes: the page at `GET /` and its data at `GET /api/dashboard`.
 *
 * Mount with `app.route('/', dashboardRoutes(deps))` after the bearer-token middleware for
 * `/api/*`: the page itself holds no data and needs no token; the JSON does (when SYNC_API_TOKEN
 * is set). The page asks the user for the token and sends it as `Authorization: Bearer …`.
 */
import { Hono } from 'hono';
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
  return app;
}

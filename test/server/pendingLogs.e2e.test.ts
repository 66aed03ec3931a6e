/**
 * A run that fails because Postgres went away, and therefore cannot write its sync_logs rows
 * either: /health counts it (unhealthy while the database is gone, degraded once it is back —
 * never "healthy, 100%"), `status` in a new process counts it from the spool file, and the next
 * run that reaches Postgres writes the kept rows.
 *
 * Postgres "goes away" for real: the store connects through a TCP proxy that this test cuts (every
 * connection dropped, new ones refused) and restores, so the errors are node-postgres' own.
 */
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../../src/server/app.ts';
import { RunManager } from '../../src/scheduler/runManager.ts';
import { ManualTimers } from '../../src/lib/timers.ts';
import { describeDatabaseUrl } from '../../src/store/connectionErrors.ts';
import { migrate, openStore } from '../../src/store/index.ts';
import { attachPendingLogs, PENDING_DIR_NAME, PendingLogs } from '../../src/store/pendingLogs.ts';
import type { Store } from '../../src/store/types.ts';
import { createTestDatabase, storeBackends, type TestDatabase } from '../helpers/stores.ts';
import { createTwoWayHarness, type TwoWayHarness } from '../helpers/twoWayHarness.ts';

const run = promisify(execFile);
const BIN = join(import.meta.dirname, '../../bin/jarvis-sync');

/** A TCP proxy to `upstream` that can drop every connection and refuse new ones, then accept again. */
async function startCuttableProxy(upstream: { host: string; port: number }) {
  let refusing = false;
  const sockets = new Set<net.Socket>();
  const track = (s: net.Socket) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
    s.on('error', () => undefined);
  };
  const server = net.createServer((client) => {
    track(client);
    if (refusing) return client.destroy();
    const up = net.connect(upstream.port, upstream.host);
    track(up);
    up.on('close', () => client.destroy());
    client.on('close', () => up.destroy());
    client.pipe(up).pipe(client);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as net.AddressInfo).port,
    cut() {
      refusing = true;
      for (const s of sockets) s.destroy();
    },
    restore() {
      refusing = false;
    },
    close: async () => {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

describe.runIf(storeBackends().includes('postgres'))('a run that failed before it could log', () => {
  let db: TestDatabase;
  let proxy: Awaited<ReturnType<typeof startCuttableProxy>>;
  let store: Store;
  let url: string;
  let dataDir: string;
  let h: TwoWayHarness;
  let runs: RunManager;
  let app: ReturnType<typeof createApp>;
  /** Set: the next statement after the run's lease is taken cuts the proxy first. */
  let cutDuringNextRun = false;

  beforeAll(async () => {
    db = await createTestDatabase();
    const upstream = new URL(db.url);
    proxy = await startCuttableProxy({ host: upstream.hostname, port: Number(upstream.port || 5432) });
    const proxied = new URL(db.url);
    proxied.hostname = '127.0.0.1';
    proxied.port = String(proxy.port);
    url = proxied.toString();
    store = await openStore({ databaseUrl: url });
    await migrate(store);
    dataDir = mkdtempSync(join(tmpdir(), 'jarvis-pending-e2e-'));

    h = await createTwoWayHarness(store, { clockStart: Date.now() });
    // The runs' store: the same database, cut mid-run (after the lease) when the test says so.
    const runStore = Object.create(store) as Store;
    let leaseTaken = false;
    const maybeCut = (text?: string) => {
      if (!cutDuringNextRun) return;
      if (text && /jarvis_sync\.leases/.test(text)) {
        leaseTaken = true;
        return;
      }
      if (leaseTaken) {
        cutDuringNextRun = false;
        leaseTaken = false;
        proxy.cut();
      }
    };
    runStore.query = (text, params) => {
      maybeCut(text);
      return store.query(text, params);
    };
    runStore.transaction = (fn) => {
      maybeCut();
      return store.transaction(fn);
    };
    // As openMigratedStore does for the service and `sync`: kept rows spooled under the data dir.
    attachPendingLogs(runStore, new PendingLogs({ dir: join(dataDir, PENDING_DIR_NAME), database: describeDatabaseUrl(url), now: () => h.clock.now() }));
    h.ctx = { ...h.ctx, store: runStore };
    const timers = new ManualTimers(h.clock);
    runs = new RunManager({ context: h.ctx, logger: h.ctx.logger, clock: h.clock, timers });
    app = createApp({ runs, store, config: h.config, logger: h.ctx.logger, clock: h.clock, timers });
  });

  afterAll(async () => {
    await runs?.idle();
    await h?.close();
    await store?.close();
    await proxy?.close();
    await db?.drop();
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  });

  const health = async () => {
    const r = await app.request('/health');
    return { status: r.status, body: (await r.json()) as any };
  };
  const syncRun = async (dataset: string) => {
    const started = runs.start(dataset, {}, 'http');
    if (!('run' in started)) throw new Error(`not started: ${started.conflict}`);
    return (await started.done).results;
  };
  const loggedRuns = async () => (await store.query<{ status: string; message: string }>(`SELECT status, message FROM jarvis_sync.sync_logs WHERE event_type = 'journals_sync' ORDER BY end_time`)).rows;

  it('is counted by /health and status, and lands in sync_logs once Postgres is back', async () => {
    const [first] = await syncRun('journals');
    expect(first!.errors).toEqual([]);
    expect(first!.status).toBe('success');
    expect((await health()).body).toMatchObject({ status: 'healthy', stats: { total_syncs_24h: 1, success_rate: '100.0%' } });

    // Postgres goes away mid-run: the run fails, and so does its sync_logs write.
    h.clock.advance(60_000);
    cutDuringNextRun = true;
    const [failed] = await syncRun('journals');
    expect(failed!.status).toBe('error');
    expect(failed!.message).toMatch(/Postgres at DATABASE_URL .* is unavailable/);
    const spool = join(dataDir, PENDING_DIR_NAME);
    expect(readdirSync(spool)).toHaveLength(1);

    // Still gone: unhealthy, and the failed run is counted.
    let r = await health();
    expect(r.status).toBe(503);
    expect(r.body).toMatchObject({ status: 'unhealthy', stats: { total_syncs_24h: 1, success_rate: '0.0%' } });

    // Back, but nothing has written yet: degraded, both runs counted.
    proxy.restore();
    r = await health();
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({ status: 'degraded', stats: { total_syncs_24h: 2, success_rate: '50.0%' } });
    expect((await loggedRuns()).map((x) => x.status)).toEqual(['success']);

    // The failed run could not release its lease either; let it expire (as 30 s would).
    await store.query(`UPDATE jarvis_sync.leases SET expires_at = now() - interval '1 second' WHERE released_at IS NULL`);

    // `status` in another process reads the spool file.
    const cli = await run(BIN, ['status', '--json'], { env: { PATH: process.env.PATH!, HOME: process.env.HOME ?? '/tmp', LOG_LEVEL: 'warn', DATABASE_URL: url, JARVIS_DATA_DIR: dataDir }, timeout: 60_000 }).catch((e) => e);
    expect(cli.code).toBe(1); // not healthy
    const report = JSON.parse(cli.stdout);
    expect(report).toMatchObject({ status: 'degraded', stats: { total_syncs_24h: 2, success_rate: '50.0%' }, unwritten_runs: 1 });
    expect(report.datasets.find((d: any) => d.dataset === 'journals')).toMatchObject({ status: 'error', runs_24h: 2, failed_runs_24h: 1 });

    // The next run reaches Postgres: the kept rows are written first, the spool is removed.
    h.clock.advance(60_000);
    expect((await syncRun('journals'))[0]!.status).toBe('success');
    const logged = await loggedRuns();
    expect(logged.map((x) => x.status)).toEqual(['success', 'error', 'success']);
    expect(logged[1]!.message).toMatch(/is unavailable/);
    expect(existsSync(spool)).toBe(false);
    expect((await health()).body).toMatchObject({ status: 'healthy', stats: { total_syncs_24h: 3, success_rate: '66.6%' } });
  });
});

/**
 * The PgBouncer a lock campaign connects through, and restarts mid-run.
 *
 * Restarting the PgBouncer that `.ci/pgbouncer` started would cut every other client of it (other
 * test runs on the machine), so a campaign starts a private one: the same PgBouncer binary and the
 * same settings as .ci/pgbouncer (pool mode, 4 server connections per database, SCRAM with the
 * user and password of the pooler URL, `* =` in front of the same PostgreSQL), on a free port, its
 * config and log in a temporary folder. A restart is what a pooler restart is: SIGTERM
 * (PgBouncer 1.18's immediate shutdown: every client and server connection closed at once), a
 * pause with nothing listening, the same command again.
 *
 * It runs in the foreground as a child of the campaign (its output in the folder's log). PgBouncer
 * refuses to run as root: as root it is started with `user = postgres` in its config, so it reads
 * the config as root (the folder may sit in a temp dir only root can enter) and then runs as
 * postgres, as .ci/pgbouncer's instances do. Where a private one cannot start (no binary, no such user), the campaign
 * uses the shared pooler of the URL and "restarts" only its own database there, through the admin
 * console (`KILL <db>`: every client and server connection of that database closed; `RESUME <db>`
 * after the pause) — the same cut for the campaign, nothing for anyone else.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { closeSync, existsSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';

const run = promisify(execFile);

export type PoolMode = 'session' | 'transaction';

export interface Pooler {
  mode: PoolMode;
  /** `private` (started here, restarted for real) or `shared` (the URL's pooler; restart = KILL/RESUME of the campaign's database). */
  kind: 'private' | 'shared';
  /** The URL of `database` through this pooler. */
  url(database: string): string;
  /** Cuts every connection of `database` through the pooler, keeps it down for `downMs`, brings it back; resolves once it answers again. */
  restart(database: string, downMs: number): Promise<void>;
  /** What the restart does, for the report. */
  readonly restartHow: string;
  /** Closes the pooler's connections to `database`, runs `during` (which drops it), lets clients in again. */
  closeDatabase(database: string, during: () => Promise<void>): Promise<void>;
  stop(): Promise<void>;
}

/** A private PgBouncer in `mode` in front of the server of `directUrl`, logging in with the credentials of `poolerUrl`; or why not. */
export async function startPrivatePooler(mode: PoolMode, poolerUrl: string, directUrl: string): Promise<Pooler | { error: string }> {
  const creds = new URL(poolerUrl);
  const server = new URL(directUrl);
  const binary = existsSync('/usr/sbin/pgbouncer') ? '/usr/sbin/pgbouncer' : await which('pgbouncer');
  if (!binary) return { error: 'pgbouncer is not installed (.ci/pgbouncer installs it)' };
  const root = process.getuid?.() === 0;
  if (root && !hasUser('postgres')) return { error: 'running as root and there is no postgres user to run PgBouncer as' };
  const dir = mkdtempSync(join(tmpdir(), 'jarvis-chaos-pooler-'));
  const port = await freePort();
  const user = decodeURIComponent(creds.username || 'postgres');
  const password = decodeURIComponent(creds.password || '');
  const ini = join(dir, 'pgbouncer.ini');
  const logFile = join(dir, 'pgbouncer.log');
  writeFileSync(join(dir, 'userlist.txt'), `"${user.replace(/"/g, '""')}" "${password.replace(/"/g, '""')}"\n`, { mode: 0o600 });
  writeFileSync(
    ini,
    [
      '; Written by chaos/pooler.ts for one campaign (the settings of .ci/pgbouncer); removed with it.',
      '[databases]',
      `* = host=${server.hostname} port=${server.port || '5432'}`,
      '[pgbouncer]',
      `pool_mode = ${mode}`,
      'listen_addr = 127.0.0.1',
      `listen_port = ${port}`,
      'unix_socket_dir =',
      // Foreground, logging to stderr (the log file below); no pid file.
      'logfile =',
      'auth_type = scram-sha-256',
      `auth_file = ${join(dir, 'userlist.txt')}`,
      `admin_users = ${user}`,
      ...(root ? ['user = postgres'] : []),
      'default_pool_size = 4',
      'min_pool_size = 0',
      'reserve_pool_size = 0',
      'max_client_conn = 200',
      'ignore_startup_parameters = extra_float_digits,options',
      'server_idle_timeout = 60',
      'log_connections = 0',
      'log_disconnections = 0',
      '',
    ].join('\n'),
    { mode: 0o600 },
  );
  const url = (database: string) => {
    const u = new URL(poolerUrl);
    u.hostname = '127.0.0.1';
    u.port = String(port);
    u.pathname = `/${database}`;
    return u.toString();
  };
  let child: ChildProcess | null = null;
  let exited: Promise<void> = Promise.resolve();
  const start = async () => {
    const fd = openSync(logFile, 'a');
    try {
      const c = spawn(binary, [ini], { stdio: ['ignore', fd, fd] });
      child = c;
      exited = new Promise<void>((res) => c.once('exit', () => res()));
      c.once('error', () => undefined); // reported by the wait below
    } finally {
      closeSync(fd);
    }
    await Promise.race([waitForAnswer(url('postgres'), 10_000), exited.then(() => Promise.reject(new Error('PgBouncer exited at start')))]);
  };
  const shutdown = async () => {
    const c = child;
    if (!c || c.exitCode !== null || c.signalCode !== null) return;
    c.kill('SIGTERM');
    const timer = setTimeout(() => c.kill('SIGKILL'), 5_000);
    await exited;
    clearTimeout(timer);
  };
  try {
    await start();
  } catch (e) {
    await shutdown().catch(() => undefined);
    const log = existsSync(logFile) ? readFileSync(logFile, 'utf8').trim().split('\n').slice(-2).join(' | ') : '';
    rmSync(dir, { recursive: true, force: true });
    return { error: `PgBouncer did not start: ${(e as Error).message.split('\n')[0]}${log ? ` (${log})` : ''}` };
  }
  return {
    mode,
    kind: 'private',
    url,
    restartHow: `a PgBouncer 1.18 of its own in ${mode} mode (the settings of .ci/pgbouncer), stopped with SIGTERM (immediate shutdown: every connection closed) and started again`,
    async restart(_database, downMs) {
      await shutdown();
      await sleep(downMs);
      await start();
    },
    async closeDatabase(database, during) {
      await adminCommand(url('pgbouncer'), `KILL ${database}`);
      try {
        await during();
      } finally {
        await adminCommand(url('pgbouncer'), `RESUME ${database}`).catch(() => undefined);
      }
    },
    async stop() {
      await shutdown();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** The pooler of `poolerUrl` as it is (shared with others): restart = KILL and RESUME of the campaign's database on its admin console. */
export function sharedPooler(mode: PoolMode, poolerUrl: string): Pooler {
  const url = (database: string) => {
    const u = new URL(poolerUrl);
    u.pathname = `/${database}`;
    return u.toString();
  };
  return {
    mode,
    kind: 'shared',
    url,
    restartHow: `the shared ${mode}-mode PgBouncer's admin console: KILL <campaign database> (its client and server connections closed), RESUME after the pause`,
    async restart(database, downMs) {
      await this.closeDatabase(database, () => sleep(downMs));
      await waitForAnswer(url(database), 10_000);
    },
    async closeDatabase(database, during) {
      if (!/^jarvis_(chaos|test)_\w+$/.test(database)) throw new Error(`refusing to KILL ${database} on a shared pooler: not a campaign or test database`);
      await adminCommand(url('pgbouncer'), `KILL ${database}`);
      try {
        await during();
      } finally {
        await adminCommand(url('pgbouncer'), `RESUME ${database}`).catch(() => undefined);
      }
    },
    stop: async () => undefined,
  };
}

async function adminCommand(url: string, command: string): Promise<void> {
  const c = new pg.Client({ connectionString: url });
  c.on('error', () => undefined);
  await c.connect();
  try {
    await c.query(command);
  } finally {
    await c.end().catch(() => undefined);
  }
}

async function waitForAnswer(url: string, ms: number): Promise<void> {
  const until = Date.now() + ms;
  let last: unknown;
  while (Date.now() < until) {
    const c = new pg.Client({ connectionString: url, connectionTimeoutMillis: 1000 });
    c.on('error', () => undefined);
    try {
      await c.connect();
      await c.query('SELECT 1');
      await c.end();
      return;
    } catch (e) {
      last = e;
      await c.end().catch(() => undefined);
      await sleep(50);
    }
  }
  throw new Error(`the pooler did not answer within ${ms / 1000} s: ${(last as Error)?.message}`);
}

function hasUser(name: string): boolean {
  try {
    return readFileSync('/etc/passwd', 'utf8')
      .split('\n')
      .some((l) => l.startsWith(`${name}:`));
  } catch {
    return false;
  }
}

async function which(cmd: string): Promise<string | null> {
  try {
    return (await run('sh', ['-c', `command -v ${cmd}`])).stdout.trim() || null;
  } catch {
    return null;
  }
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));


/**
 * A Postgres that goes away under a running sync is a failed run (exit 1, a transient problem),
 * never "check the connection string" (exit 2, a setup error): the URL worked a moment ago.
 */
import { createServer as createHttpServer, type Server as HttpServer } from 'node:http';
import { createServer as createNetServer, type AddressInfo, type Server as NetServer, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { exitCodeFor } from '../../src/cli/main.ts';
import { ConfigError } from '../../src/config/index.ts';
import { classifyMessage } from '../../src/notify/classify.ts';
import { connectionError, explainFirstConnectionFailure, isTransientConnectionFailure, probePostgresPort, StoreConnectionError } from '../../src/store/connectionErrors.ts';
import { openStore } from '../../src/store/index.ts';
import { storeBackends } from '../helpers/stores.ts';

const url = 'postgres://jarvis:hunter2@db.example:5432/jarvis';
const driverError = (code: string | undefined, message: string) => Object.assign(new Error(message), code ? { code } : {});

describe('connection failures of a server that is restarting', () => {
  it.each([
    ['57P01', 'terminating connection due to administrator command'],
    ['57P03', 'the database system is shutting down'],
    ['57P03', 'the database system is starting up'],
    [undefined, 'Connection terminated unexpectedly'],
    ['ECONNRESET', 'read ECONNRESET'],
  ])('%s "%s" is transient: nothing to change in the configuration', (code, message) => {
    const e = connectionError(url, driverError(code, message));
    expect(e.transient).toBe(true);
    expect(e.message).toBe(
      `Postgres at DATABASE_URL (postgres://jarvis@db.example:5432/jarvis) is unavailable: the server is restarting or dropped the connection (${message}); nothing to change in the configuration: a run stops without saving partial work, and the next one resumes from the last saved cursor.`,
    );
    expect(exitCodeFor(e)).toBe(1);
    expect(classifyMessage(e.message, 'books')).toMatchObject({ key: 'postgres:connection', severity: 'transient' });
  });

  it('a refused connection is a setup error before the first connection, the server going away after it', () => {
    const refused = driverError('ECONNREFUSED', 'connect ECONNREFUSED 127.0.0.1:5432');
    const atStart = connectionError(url, refused);
    expect(atStart.transient).toBe(false);
    expect(atStart.message).toMatch(/^Cannot connect to Postgres .*: connection refused; check the host and port/);
    expect(exitCodeFor(atStart)).toBe(2);
    const midRun = connectionError(url, refused, { connectedBefore: true });
    expect(midRun.transient).toBe(true);
    expect(exitCodeFor(midRun)).toBe(1);
  });

  it('wrong credentials or database stay setup errors, whatever happened before', () => {
    for (const e of [driverError('28P01', 'password authentication failed'), driverError('3D000', 'database "x" does not exist')]) {
      expect(isTransientConnectionFailure(e)).toBe(false);
      const mapped = connectionError(url, e, { connectedBefore: true });
      expect(mapped.transient).toBe(false);
      expect(exitCodeFor(mapped)).toBe(2);
    }
    expect(exitCodeFor(new ConfigError('bad'))).toBe(2);
    expect(exitCodeFor(new Error('Notion said no'))).toBe(1);
  });
});

describe("Supabase's direct host without an IPv6 route", () => {
  const direct = 'postgresql://postgres:hunter2@db.abcdefghijklmnopqrst.supabase.co:5432/postgres';
  const expected = (code: string) =>
    `Cannot connect to Postgres at DATABASE_URL (postgresql://postgres@db.abcdefghijklmnopqrst.supabase.co:5432/postgres): no route to db.abcdefghijklmnopqrst.supabase.co (${code}): Supabase's direct host is IPv6-only and this network has no IPv6 route; use the session pooler instead, which has IPv4 — postgresql://postgres.abcdefghijklmnopqrst:<password>@aws-0-<region>.pooler.supabase.com:5432/postgres (copy it from the dashboard's Connect button, "Session pooler"), or enable IPv6 here or Supabase's IPv4 add-on.`;

  it.each([
    ['ENETUNREACH', driverError('ENETUNREACH', 'connect ENETUNREACH 2a05:d014:1c06:5f0c:d0a4:5e25:2b4c:3a4e:5432 - Local (:::0)')],
    ['EHOSTUNREACH', driverError('EHOSTUNREACH', 'connect EHOSTUNREACH 2a05:d014:1c06:5f0c:d0a4:5e25:2b4c:3a4e:5432')],
    // Node's happy-eyeballs connect reports every address it tried in an AggregateError without a code of its own.
    ['ENETUNREACH', new AggregateError([driverError('ENETUNREACH', 'connect ENETUNREACH 2a05:d014::1:5432')], '')],
    // Only in the message (an IPv6 address, no code field).
    ['EHOSTUNREACH', driverError(undefined, 'connect EHOSTUNREACH [2a05:d014::1]:5432')],
  ])('%s: names the IPv6-only host and the session pooler string to use', (code, err) => {
    const e = connectionError(direct, err);
    expect(e.message).toBe(expected(code));
    expect(e.transient).toBe(false);
    expect(exitCodeFor(e)).toBe(2);
    expect(e.message).not.toContain('hunter2');
  });

  it('a machine with no IPv6 at all does not even resolve it: "host not found" says why', () => {
    const e = connectionError(direct, driverError('ENOTFOUND', 'getaddrinfo ENOTFOUND db.abcdefghijklmnopqrst.supabase.co'));
    expect(e.message).toMatch(/host not found: db\.abcdefghijklmnopqrst\.supabase\.co has only an IPv6 address, which this machine cannot use \(no IPv6 configured\), or the project ref is wrong; use the session pooler instead, which has IPv4 — postgresql:\/\/postgres\.abcdefghijklmnopqrst:<password>@aws-0-<region>\.pooler\.supabase\.com:5432\/postgres/);
  });

  it('other hosts get a plain "no route"; a Supabase host that worked before is a network blip', () => {
    const other = connectionError('postgres://u:hunter2@db.example:5432/x', driverError('ENETUNREACH', 'connect ENETUNREACH 2001:db8::1:5432'));
    expect(other.message).toBe(
      "Cannot connect to Postgres at DATABASE_URL (postgres://u@db.example:5432/x): no route to the host (ENETUNREACH); check the host, and that this machine's network can reach it (an IPv6 address needs an IPv6 route).",
    );
    const blip = connectionError(direct, driverError('ENETUNREACH', 'connect ENETUNREACH 2a05:d014::1:5432'), { connectedBefore: true });
    expect(blip.transient).toBe(true);
    // The pooler host is not the IPv6-only one.
    const pooler = connectionError('postgresql://postgres.abc:pw@aws-0-eu-central-1.pooler.supabase.com:5432/postgres', driverError('ENETUNREACH', 'connect ENETUNREACH 1.2.3.4:5432'));
    expect(pooler.message).toMatch(/no route to the host \(ENETUNREACH\)/);
  });
});

describe('a port where something other than PostgreSQL answers', () => {
  const servers: Array<{ close(cb: () => void): void }> = [];
  const sockets = new Set<Socket>();
  afterEach(async () => {
    for (const s of sockets) s.destroy();
    sockets.clear();
    await Promise.all(servers.splice(0).map((s) => new Promise<void>((resolve) => s.close(() => resolve()))));
  });
  async function listen<T extends HttpServer | NetServer>(server: T): Promise<number> {
    server.on('connection', (s: Socket) => {
      sockets.add(s);
      s.on('close', () => sockets.delete(s));
    });
    servers.push(server);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return (server.address() as AddressInfo).port;
  }
  async function openError(url: string): Promise<StoreConnectionError> {
    try {
      const store = await openStore({ databaseUrl: url });
      await store.close();
    } catch (e) {
      return e as StoreConnectionError;
    }
    throw new Error('expected openStore to fail');
  }
  const fix = 'check the host and port in DATABASE_URL — PostgreSQL listens on 5432 by default (Supabase: 5432 for the direct host and the session pooler, 6543 for the transaction pooler).';

  it('an HTTP server: says what answered, not "the server is restarting"', async () => {
    const port = await listen(createHttpServer((_req, res) => res.end('hello')));
    for (const query of ['', '?sslmode=require']) {
      const e = await openError(`postgres://u:hunter2@127.0.0.1:${port}/db${query}`);
      expect(e.message).toBe(`Cannot connect to Postgres at DATABASE_URL (postgres://u@127.0.0.1:${port}/db): something other than PostgreSQL answers at 127.0.0.1:${port} (it sent "HTTP/1.1 400 Bad Request"); ${fix}`);
      expect(e.transient).toBe(false);
      expect(exitCodeFor(e)).toBe(2);
    }
  });

  it('a TCP service that greets, and one that hangs up at once', async () => {
    const greeter = await listen(createNetServer((s) => s.end('SSH-2.0-OpenSSH_9.2\r\n')));
    expect((await openError(`postgres://u@127.0.0.1:${greeter}/db`)).message).toContain(`something other than PostgreSQL answers at 127.0.0.1:${greeter} (it sent "SSH-2.0-OpenSSH_9.2")`);
    const hangUp = await listen(createNetServer((s) => s.destroy()));
    expect((await openError(`postgres://u@127.0.0.1:${hangUp}/db`)).message).toBe(
      `Cannot connect to Postgres at DATABASE_URL (postgres://u@127.0.0.1:${hangUp}/db): the server at 127.0.0.1:${hangUp} closed the connection without answering as PostgreSQL does; ${fix}`,
    );
  });

  it('a server that accepts and stays silent', async () => {
    const e = await explainFirstConnectionFailure('postgres://u@db.example:6000/x', driverError(undefined, 'Connection terminated unexpectedly'), { probe: async () => ({ kind: 'silent' }) });
    expect(e.message).toBe(`Cannot connect to Postgres at DATABASE_URL (postgres://u@db.example:6000/x): the server at db.example:6000 accepted the connection but did not answer as PostgreSQL does; ${fix}`);
  });

  it('PostgreSQL speaking (a SQLSTATE) is never probed; other failures keep their message', async () => {
    const noProbe = async (): Promise<never> => {
      throw new Error('must not probe');
    };
    const starting = await explainFirstConnectionFailure(url, driverError('57P03', 'the database system is starting up'), { probe: noProbe });
    expect(starting.transient).toBe(true);
    const refused = await explainFirstConnectionFailure(url, driverError('ECONNREFUSED', 'connect ECONNREFUSED 127.0.0.1:5432'), { probe: noProbe });
    expect(refused.message).toMatch(/connection refused/);
  });

  it.runIf(storeBackends().includes('postgres'))('a real PostgreSQL port answers the probe as PostgreSQL: a dropped first connection stays "restarting"', async () => {
    const pgUrl = new URL(process.env.TEST_DATABASE_URL!);
    expect(await probePostgresPort(pgUrl.hostname, Number(pgUrl.port || 5432))).toEqual({ kind: 'postgres' });
    const e = await explainFirstConnectionFailure(pgUrl.toString(), driverError(undefined, 'Connection terminated unexpectedly'));
    expect(e.transient).toBe(true);
    expect(e.message).toMatch(/is unavailable: the server is restarting or dropped the connection/);
  });
});

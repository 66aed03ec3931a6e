/**
 * A Postgres that goes away under a running sync is a failed run (exit 1, a transient problem),
 * never "check the connection string" (exit 2, a setup error): the URL worked a moment ago.
 */
import { describe, expect, it } from 'vitest';
import { exitCodeFor } from '../../src/cli/main.ts';
import { ConfigError } from '../../src/config/index.ts';
import { classifyMessage } from '../../src/notify/classify.ts';
import { connectionError, isTransientConnectionFailure } from '../../src/store/connectionErrors.ts';

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

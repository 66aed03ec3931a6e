/**
 * Turns a failure to reach Postgres into one line a user can act on: it names DATABASE_URL, says
 * where we tried to connect (never the password) and what to change.
 */
export class StoreConnectionError extends Error {
  constructor(
    message: string,
    /** The driver's error code when there was one (ECONNREFUSED, 28P01, ...). */
    readonly code?: string,
    /**
     * The server went away or is restarting (shutdown, crash recovery, a dropped connection):
     * the configuration is fine and a later run will succeed, so this is a failed run, not a
     * setup error.
     */
    readonly transient = false,
  ) {
    super(message);
    this.name = 'StoreConnectionError';
  }
}

/** SQLSTATEs and socket codes of a server that is restarting or dropped the connection. */
const TRANSIENT_CODES = new Set(['57P01', '57P02', '57P03', '08006', '08003', '08001', 'ECONNRESET', 'EPIPE']);
const TRANSIENT_MESSAGE = /shutting down|encountered a connection error|starting up|in recovery|terminat(ed|ing) (unexpectedly|connection)|Connection terminated|server closed the connection/i;

/** Whether a connection failure is the server restarting or dropping us (not a wrong URL). */
export function isTransientConnectionFailure(err: unknown): boolean {
  const e = err as { code?: string; message?: string; transient?: boolean };
  if (e?.transient === true) return true;
  return (typeof e?.code === 'string' && TRANSIENT_CODES.has(e.code)) || TRANSIENT_MESSAGE.test(String(e?.message ?? ''));
}

/** `postgres://user@host:port/db` — the URL without password or query, for messages. */
export function describeDatabaseUrl(url: string): string {
  try {
    const u = new URL(url);
    const user = u.username ? `${decodeURIComponent(u.username)}@` : '';
    return `${u.protocol}//${user}${u.hostname}${u.port ? `:${u.port}` : ''}${u.pathname}`;
  } catch {
    return '(unparseable URL)';
  }
}

export function invalidDatabaseUrl(reason: string): StoreConnectionError {
  return new StoreConnectionError(
    `DATABASE_URL is not a valid connection string (${reason}); expected postgres://user:password@host:5432/database`,
    'EINVALIDURL',
  );
}

/** Maps a connection failure to a StoreConnectionError with a fix. */
export function connectionError(url: string, err: unknown, opts: { connectedBefore?: boolean } = {}): StoreConnectionError {
  const e = err as { code?: string; message?: string };
  const where = describeDatabaseUrl(url);
  const raw = String(e?.message ?? err);
  let reason: string;
  let fix: string;
  // Refused or timed out after this process has been connected: the URL worked, the server is
  // down or restarting — not something to fix in the configuration.
  const serverWentAway = opts.connectedBefore === true && ['ECONNREFUSED', 'ETIMEDOUT', 'EHOSTUNREACH'].includes(e?.code ?? '');
  if (serverWentAway || isTransientConnectionFailure(err)) {
    reason = `the server is restarting or dropped the connection (${raw})`;
    fix = "nothing to change in the configuration: a run stops without saving partial work, and the next one resumes from the last saved cursor";
    return new StoreConnectionError(`Postgres at DATABASE_URL (${where}) is unavailable: ${stripPassword(reason, url)}; ${fix}.`, e?.code, true);
  }
  if (e?.code === 'ECONNREFUSED') {
    reason = 'connection refused';
    fix = 'check the host and port, and that the server is running';
  } else if (e?.code === 'ENOTFOUND' || e?.code === 'EAI_AGAIN') {
    reason = 'host not found';
    fix = 'check the host name';
  } else if (e?.code === '28P01' || e?.code === '28000') {
    reason = 'authentication failed';
    fix = 'check the user name and password';
  } else if (e?.code === '3D000') {
    reason = 'database does not exist';
    fix = 'check the database name in the URL path, or create the database';
  } else if (/does not support SSL/i.test(raw)) {
    reason = 'the server does not support SSL';
    fix = 'remove sslmode=require from the URL or set sslmode=disable';
  } else if (/certificate|SSL|TLS/i.test(raw)) {
    reason = raw;
    fix = 'for Supabase use ?sslmode=require (encrypted, not verified) or add sslrootcert=<CA file> with sslmode=verify-full';
  } else if (/timeout|ETIMEDOUT/i.test(raw) || e?.code === 'ETIMEDOUT') {
    reason = 'timed out';
    fix = 'check the host, port and any firewall between here and the server';
  } else {
    reason = raw;
    fix = 'check the connection string';
  }
  return new StoreConnectionError(`Cannot connect to Postgres at DATABASE_URL (${where}): ${stripPassword(reason, url)}; ${fix}.`, e?.code);
}

/** Belt and braces: a driver message must never echo the password back. */
function stripPassword(text: string, url: string): string {
  try {
    const password = decodeURIComponent(new URL(url).password);
    return password ? text.split(password).join('***') : text;
  } catch {
    return text;
  }
}

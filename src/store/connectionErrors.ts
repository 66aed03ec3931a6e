/**
 * Turns a failure to reach Postgres into one line a user can act on: it names DATABASE_URL, says
 * where we tried to connect (never the password) and what to change.
 */
export class StoreConnectionError extends Error {
  constructor(
    message: string,
    /** The driver's error code when there was one (ECONNREFUSED, 28P01, ...). */
    readonly code?: string,
  ) {
    super(message);
    this.name = 'StoreConnectionError';
  }
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
export function connectionError(url: string, err: unknown): StoreConnectionError {
  const e = err as { code?: string; message?: string };
  const where = describeDatabaseUrl(url);
  const raw = String(e?.message ?? err);
  let reason: string;
  let fix: string;
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

/**
 * Turns a failure to reach Postgres into one line a user can act on: it names DATABASE_URL, says
 * where we tried to connect (never the password) and what to change.
 */
import net from 'node:net';

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

  /**
   * The driver's own message (password stripped), for explainFirstConnectionFailure. Not
   * enumerable, so loggers that serialize the error show only the message above.
   */
  declare readonly driverMessage?: string;
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
  const serverWentAway = opts.connectedBefore === true && ['ECONNREFUSED', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH'].includes(e?.code ?? '');
  if (serverWentAway || isTransientConnectionFailure(err)) {
    reason = `the server is restarting or dropped the connection (${raw})`;
    fix = "nothing to change in the configuration: a run stops without saving partial work, and the next one resumes from the last saved cursor";
    return withDriverMessage(new StoreConnectionError(`Postgres at DATABASE_URL (${where}) is unavailable: ${stripPassword(reason, url)}; ${fix}.`, e?.code, true), stripPassword(raw, url));
  }
  const unreachable = unreachableCode(err);
  const supabaseRef = supabaseDirectRef(url);
  if (supabaseRef && (unreachable || e?.code === 'ENOTFOUND')) {
    // Supabase's direct host has only an IPv6 address (unless the project bought the IPv4
    // add-on). Without an IPv6 route connect() fails with ENETUNREACH/EHOSTUNREACH; on a machine
    // with no IPv6 address at all, getaddrinfo (asked for usable families only) finds nothing.
    const code = unreachable ?? 'ENOTFOUND';
    reason =
      code === 'ENOTFOUND'
        ? `host not found: db.${supabaseRef}.supabase.co has only an IPv6 address, which this machine cannot use (no IPv6 configured), or the project ref is wrong`
        : `no route to db.${supabaseRef}.supabase.co (${code}): Supabase's direct host is IPv6-only and this network has no IPv6 route`;
    fix = `use the session pooler instead, which has IPv4 — postgresql://postgres.${supabaseRef}:<password>@aws-0-<region>.pooler.supabase.com:5432${dbPath(url)} (copy it from the dashboard's Connect button, "Session pooler"), or enable IPv6 here or Supabase's IPv4 add-on`;
    return new StoreConnectionError(`Cannot connect to Postgres at DATABASE_URL (${where}): ${reason}; ${fix}.`, code);
  }
  if (unreachable) {
    reason = `no route to the host (${unreachable})`;
    fix = "check the host, and that this machine's network can reach it (an IPv6 address needs an IPv6 route)";
  } else if (e?.code === 'ECONNREFUSED') {
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
  return withDriverMessage(new StoreConnectionError(`Cannot connect to Postgres at DATABASE_URL (${where}): ${stripPassword(reason, url)}; ${fix}.`, e?.code), stripPassword(raw, url));
}

function withDriverMessage(error: StoreConnectionError, driverMessage: string): StoreConnectionError {
  Object.defineProperty(error, 'driverMessage', { value: driverMessage, enumerable: false });
  return error;
}

/** Socket codes of "no route": on the error itself, inside an AggregateError (one per address tried), or only in the message. */
const UNREACHABLE = ['ENETUNREACH', 'EHOSTUNREACH'] as const;

function unreachableCode(err: unknown): string | undefined {
  const e = err as { code?: string; message?: string; errors?: Array<{ code?: string }> };
  for (const code of [e?.code, ...(Array.isArray(e?.errors) ? e.errors.map((x) => x?.code) : [])]) {
    if (code && (UNREACHABLE as readonly string[]).includes(code)) return code;
  }
  return UNREACHABLE.find((code) => String(e?.message ?? '').includes(code));
}

/** The project ref of a Supabase direct host (db.<ref>.supabase.co), else undefined. */
export function supabaseDirectRef(url: string): string | undefined {
  try {
    return /^db\.([a-z0-9]+)\.supabase\.co$/i.exec(new URL(url).hostname)?.[1]?.toLowerCase();
  } catch {
    return undefined;
  }
}

function dbPath(url: string): string {
  try {
    return new URL(url).pathname || '/postgres';
  } catch {
    return '/postgres';
  }
}

/** What answered on a port: a PostgreSQL server, or something else. */
export type PortProbe =
  | { kind: 'postgres' }
  | { kind: 'other'; sample: string }
  | { kind: 'closed' }
  | { kind: 'silent' }
  | { kind: 'unreachable'; code?: string };

const SSL_REQUEST = Buffer.from([0, 0, 0, 8, 0x04, 0xd2, 0x16, 0x2f]);

/**
 * Sends PostgreSQL's SSLRequest and reads the first reply: every PostgreSQL server (and every
 * pooler in front of one) answers the single byte 'S' or 'N' at once, or an ErrorResponse ('E').
 * Anything else, silence or a close without a byte is not PostgreSQL.
 */
export function probePostgresPort(host: string, port: number, timeoutMs = 3000): Promise<PortProbe> {
  return new Promise((resolve) => {
    const socket = net.connect({ host, port });
    let done = false;
    const finish = (result: PortProbe) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      socket.destroy();
      resolve(result);
    };
    const timer = setTimeout(() => finish({ kind: 'silent' }), timeoutMs);
    socket.once('connect', () => socket.write(SSL_REQUEST));
    socket.once('data', (chunk: Buffer) => {
      const first = chunk[0];
      // 'S' | 'N', alone: PostgreSQL then waits for us (an SSH banner also starts with 'S').
      if ((first === 0x53 || first === 0x4e) && chunk.length === 1) return finish({ kind: 'postgres' });
      if (first === 0x45 && chunk.length >= 5 && chunk.readInt32BE(1) < 65_536) return finish({ kind: 'postgres' }); // 'E' + a plausible length
      finish({ kind: 'other', sample: printable(chunk) });
    });
    socket.once('end', () => finish({ kind: 'closed' }));
    socket.once('close', () => finish({ kind: 'closed' }));
    socket.once('error', (e: NodeJS.ErrnoException) => finish(done ? { kind: 'closed' } : e.code === 'ECONNRESET' ? { kind: 'closed' } : { kind: 'unreachable', code: e.code }));
  });
}

/** The first line of what a server sent, printable characters only, at most 60 of them. */
function printable(chunk: Buffer): string {
  const line = chunk.toString('latin1').split(/\r?\n/)[0] ?? '';
  const clean = line.replace(/[^\x20-\x7e]/g, '?');
  return clean.length > 60 ? `${clean.slice(0, 60)}…` : clean;
}

/** Driver messages of a connection that ended or spoke gibberish before PostgreSQL said anything. */
const PROTOCOL_FAILURE = /terminated unexpectedly|received invalid response|error establishing an SSL connection|Connection terminated|ECONNRESET|EPIPE/i;

/**
 * The first connection of a process failed in a way that a restarting server and a port where
 * something other than PostgreSQL listens both produce ("Connection terminated unexpectedly", a
 * parse error): ask the port what it is, and say so when it is not PostgreSQL. Any other failure
 * — or a port where PostgreSQL does answer — keeps connectionError's message.
 */
export async function explainFirstConnectionFailure(
  url: string,
  err: unknown,
  opts: { probe?: (host: string, port: number) => Promise<PortProbe> } = {},
): Promise<StoreConnectionError> {
  const mapped = err instanceof StoreConnectionError ? err : connectionError(url, err);
  const driver = mapped.driverMessage ?? String((err as Error)?.message ?? '');
  // A SQLSTATE means PostgreSQL itself answered (starting up, shutting down, auth…): nothing to probe.
  if (mapped.code && /^[0-9A-Z]{5}$/.test(mapped.code)) return mapped;
  if (!PROTOCOL_FAILURE.test(driver)) return mapped;
  let host: string;
  let port: number;
  try {
    const u = new URL(url);
    host = (u.searchParams.get('host') ?? u.hostname).replace(/^\[(.*)\]$/, '$1');
    port = Number(u.searchParams.get('port') ?? (u.port || 5432));
  } catch {
    return mapped;
  }
  if (!host || host.startsWith('/')) return mapped; // a Unix socket: only PostgreSQL makes those
  const probe = await (opts.probe ?? probePostgresPort)(host, port);
  const at = `${host.includes(':') ? `[${host}]` : host}:${port}`;
  let what: string;
  if (probe.kind === 'other') what = `something other than PostgreSQL answers at ${at} (it sent ${JSON.stringify(probe.sample)})`;
  else if (probe.kind === 'closed') what = `the server at ${at} closed the connection without answering as PostgreSQL does`;
  else if (probe.kind === 'silent') what = `the server at ${at} accepted the connection but did not answer as PostgreSQL does`;
  else return mapped; // PostgreSQL after all (restarting, dropping us), or gone: the first message stands
  return new StoreConnectionError(
    `Cannot connect to Postgres at DATABASE_URL (${describeDatabaseUrl(url)}): ${what}; check the host and port in DATABASE_URL — PostgreSQL listens on 5432 by default (Supabase: 5432 for the direct host and the session pooler, 6543 for the transaction pooler).`,
    'ENOTPOSTGRES',
  );
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

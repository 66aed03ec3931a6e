/**
 * What a DATABASE_URL says about the connection before anything connects: a Supabase database
 * reached without TLS, or through Supabase's transaction pooler. Pure (the URL and the environment
 * in, advice out), so `doctor` prints it and `serve`/`sync` log it at start from the same source.
 * No advice repeats the password.
 */
import { describeDatabaseUrl } from './connectionErrors.ts';

export interface ConnectionAdvice {
  level: 'warn' | 'info';
  message: string;
}

/** pg's reading of PGSSLMODE, used when the URL itself says nothing about TLS. */
const ENV_TLS_MODES = new Set(['prefer', 'require', 'verify-ca', 'verify-full', 'no-verify']);

/** Supabase's hosts: the direct db.<ref>.supabase.co, the pooler *.pooler.supabase.com, any *.supabase.com. */
export function isSupabaseHost(hostname: string): boolean {
  const h = hostname.toLowerCase();
  return /^db\.[a-z0-9]+\.supabase\.co$/.test(h) || h.endsWith('.supabase.com');
}

export function isSupabaseTransactionPooler(url: URL): boolean {
  return effectiveHost(url).toLowerCase().endsWith('.pooler.supabase.com') && (url.searchParams.get('port') ?? url.port) === '6543';
}

/** The host node-postgres connects to: a `host` query parameter overrides the URL's. */
function effectiveHost(url: URL): string {
  return url.searchParams.get('host') ?? url.hostname;
}

/**
 * Whether node-postgres encrypts a connection made from this URL (after poolConfig's mapping):
 * only when asked — sslmode other than disable/allow, ssl=true, direct TLS negotiation, a
 * certificate parameter, or PGSSLMODE when the URL says nothing.
 */
export function usesTls(url: URL, env: Record<string, string | undefined> = {}): boolean {
  const q = url.searchParams;
  const sslmode = q.get('sslmode');
  if (sslmode !== null) return sslmode !== 'disable' && sslmode !== 'allow';
  if (q.get('ssl') === 'true' || q.get('ssl') === '1' || q.get('sslnegotiation') === 'direct') return true;
  if (q.has('sslcert') || q.has('sslkey') || q.has('sslrootcert')) return true;
  return ENV_TLS_MODES.has(env.PGSSLMODE ?? '');
}

export function connectionAdvice(databaseUrl: string, env: Record<string, string | undefined> = {}): ConnectionAdvice[] {
  let url: URL;
  try {
    url = new URL(databaseUrl);
  } catch {
    return []; // opening the store says what is wrong with it
  }
  if (!isSupabaseHost(effectiveHost(url))) return [];
  const advice: ConnectionAdvice[] = [];
  const where = describeDatabaseUrl(databaseUrl);

  if (!usesTls(url, env)) {
    const sslmode = url.searchParams.get('sslmode');
    advice.push({
      level: 'warn',
      message:
        `DATABASE_URL reaches Supabase (${where}) without TLS (${sslmode ? `sslmode=${sslmode}` : 'no sslmode'}): node-postgres encrypts only when asked, so every synced row crosses the network in clear text. ` +
        `Use ${withSslmode(url, 'require')} (encrypted), or better sslmode=verify-full&sslrootcert=<file> with Supabase's CA certificate (dashboard → Database settings → SSL configuration) to verify the server too.`,
    });
  }

  if (isSupabaseTransactionPooler(url)) {
    const session = new URL(withSslmode(url, url.searchParams.get('sslmode')));
    session.port = '5432';
    advice.push({
      level: 'info',
      message:
        `DATABASE_URL is Supabase's transaction pooler (port 6543): a server connection lasts one transaction, so session features (session advisory locks, SET, LISTEN, temporary tables, prepared statements) do not hold between statements. ` +
        `jarvis-sync does not need them — its per-dataset locks are lease rows in a table and work through any pooler — but for a long-running service the session pooler is the recommended string: the same host on port 5432, ${session.toString().replace('%3Cpassword%3E', '<password>')}.`,
    });
  }
  return advice;
}

/** The URL with `sslmode` set (or left out when null), the password shown as <password>. */
function withSslmode(url: URL, sslmode: string | null): string {
  const u = new URL(url.toString());
  if (u.password) u.password = '<password>';
  if (sslmode === null) u.searchParams.delete('sslmode');
  else u.searchParams.set('sslmode', sslmode);
  return u.toString().replace('%3Cpassword%3E', '<password>');
}

/** Logs each advice item at its level, once, when a command opens the database. */
export function logConnectionAdvice(databaseUrl: string, logger: { warn(obj: object, msg: string): void; info(obj: object, msg: string): void }, env: Record<string, string | undefined> = process.env): void {
  for (const a of connectionAdvice(databaseUrl, env)) logger[a.level]({ database: describeDatabaseUrl(databaseUrl) }, a.message);
}

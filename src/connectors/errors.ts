/**
 * The error base both connectors share. Every failure of the Notion or the Google connector is
 * normalized once, at the connector, into a subclass of ConnectorError (NotionSyncError,
 * GoogleSyncError) whose `kind` comes from one closed vocabulary, so the engine, the retry
 * policies and the notifier branch on `kind` and never on SDK classes, HTTP statuses or undici
 * error codes. Each subclass adds what only its API says (Notion's code and request id, Google's
 * API and reason).
 *
 * Also here: the pieces of classification that do not depend on the API (network error codes,
 * headers), used by both normalizers.
 */

/**
 * sync_token_expired: a stored Google cursor (Calendar syncToken, Gmail startHistoryId, People
 * syncToken) is no longer accepted; the caller forgets it and runs a full sync. Notion never says it.
 */
export type ConnectorErrorKind = 'rate_limited' | 'not_found' | 'conflict' | 'auth' | 'validation' | 'transient' | 'sync_token_expired';

export interface ConnectorErrorInit<K extends ConnectorErrorKind = ConnectorErrorKind> {
  kind: K;
  message: string;
  status?: number;
  /** Whether the failure is of a nature where trying again can succeed (default: rate_limited and transient). */
  retryable?: boolean;
  /**
   * Set on a failed create or update whose request may have reached the API: it may have been
   * applied, so the caller looks the record up (or re-reads it) before trying again.
   */
  mayHaveCommitted?: boolean;
  /** Raw Retry-After header (delta-seconds or HTTP-date), parsed by the retry policy against its clock. */
  retryAfter?: string;
  cause?: unknown;
}

export abstract class ConnectorError<K extends ConnectorErrorKind = ConnectorErrorKind> extends Error {
  readonly kind: K;
  readonly status?: number;
  readonly retryable: boolean;
  readonly mayHaveCommitted?: boolean;
  readonly retryAfter?: string;
  declare readonly cause: unknown;

  constructor(init: ConnectorErrorInit<K>) {
    super(init.message, { cause: init.cause });
    this.kind = init.kind;
    this.status = init.status;
    this.retryable = init.retryable ?? isRetryableKind(init.kind);
    if (init.mayHaveCommitted !== undefined) this.mayHaveCommitted = init.mayHaveCommitted;
    if (init.retryAfter !== undefined) this.retryAfter = init.retryAfter;
  }
}

export function isConnectorError(e: unknown): e is ConnectorError {
  return e instanceof ConnectorError;
}

/** The kinds where the same request can succeed later as it is. */
export function isRetryableKind(kind: ConnectorErrorKind): boolean {
  return kind === 'rate_limited' || kind === 'transient';
}

/**
 * The `kind` of a caught value: a ConnectorError's, or that of any thrown object carrying one (a
 * connector's fake in tests). undefined for anything else (a bug, a store error).
 */
export function errorKind(e: unknown): string | undefined {
  const kind = e !== null && typeof e === 'object' ? (e as { kind?: unknown }).kind : undefined;
  return typeof kind === 'string' ? kind : undefined;
}

/** Error codes of Node/undici meaning the connection failed or broke: worth another try. */
export const NETWORK_ERROR_CODES: ReadonlySet<string> = new Set([
  'ECONNRESET', 'ECONNREFUSED', 'ECONNABORTED', 'ETIMEDOUT', 'EPIPE', 'ENOTFOUND', 'EAI_AGAIN',
  'ENETUNREACH', 'ENETDOWN', 'EHOSTUNREACH', 'UND_ERR_SOCKET', 'UND_ERR_CONNECT_TIMEOUT',
  'UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT', 'UND_ERR_CLOSED',
]);
export const NETWORK_MESSAGE = /fetch failed|socket hang up|network|ECONNRESET|ECONNREFUSED|ETIMEDOUT|other side closed/i;

/**
 * The network error code along the cause chain, looked for `depth` levels deep. undici wraps the
 * socket error: TypeError('fetch failed', { cause: { code: 'ECONNRESET' } }); gaxios wraps that.
 */
export function networkCode(error: unknown, depth: number): string | undefined {
  for (let e: unknown = error, level = 0; e && typeof e === 'object' && level < depth; level++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string' && NETWORK_ERROR_CODES.has(code)) return code;
    e = (e as { cause?: unknown }).cause;
  }
  return undefined;
}

/** A header of a Headers object or of a plain record (any case). */
export function header(headers: unknown, name: string): string | undefined {
  if (!headers || typeof headers !== 'object') return undefined;
  const get = (headers as { get?: unknown }).get;
  if (typeof get === 'function') {
    const v = get.call(headers, name);
    return typeof v === 'string' ? v : undefined;
  }
  for (const [k, v] of Object.entries(headers)) if (k.toLowerCase() === name && typeof v === 'string') return v;
  return undefined;
}

/** An API's message without its closing period, so ours can follow it. */
export function trimPeriod(s: string): string {
  return s.replace(/[.\s]+$/, '');
}

/**
 * Every failure of the Google connector becomes one GoogleSyncError (a ConnectorError, see
 * ../errors.ts) with a kind from a closed vocabulary, normalized exactly once (normalizeGoogleError is idempotent), so callers branch on
 * `kind` and never on GaxiosError, HTTP statuses, Google reason strings or undici error codes.
 *
 * Google answers in two body styles, both read here:
 *   v1 "global" (Calendar, Gmail): {"error":{"code","message","errors":[{"domain","reason","message"}],"status"?}}
 *   google.rpc (People):           {"error":{"code","message","status","details":[{"@type","reason","domain"}]}}
 * and the token endpoint in OAuth's: {"error":"invalid_grant","error_description":"…"}.
 */
import { ConnectorError, NETWORK_MESSAGE, header, isRetryableKind, networkCode, trimPeriod, type ConnectorErrorInit } from '../errors.ts';
import { OPERATIONS, isNonIdempotent, type GoogleOperation } from './operations.ts';
import type { GoogleApi, GoogleErrorKind } from './types.ts';

export type { GoogleErrorKind, GoogleApi };

/**
 * Of the shared fields, mayHaveCommitted is set on a failed create/update whose request reached
 * Google: re-read (updateContact) or look the contact up (createContact) before trying again; false
 * when the request provably never left (connection refused, token refresh failed).
 */
export interface GoogleSyncErrorInit extends ConnectorErrorInit<GoogleErrorKind> {
  api: GoogleApi;
  /** Google's reason (errors[].reason, details[].reason, the OAuth error code) or a local code. */
  reason?: string;
}

export class GoogleSyncError extends ConnectorError<GoogleErrorKind> {
  readonly api: GoogleApi;
  readonly reason?: string;

  constructor(init: GoogleSyncErrorInit) {
    super(init);
    this.name = 'GoogleSyncError';
    this.api = init.api;
    this.reason = init.reason;
  }
}

export function isGoogleSyncError(e: unknown): e is GoogleSyncError {
  return e instanceof GoogleSyncError;
}

/** A local refusal (bad resource name, missing etag…): never sent, never retried. */
export function validationError(api: GoogleApi, message: string, cause?: unknown): GoogleSyncError {
  return new GoogleSyncError({ kind: 'validation', api, message, retryable: false, cause });
}

/** Thrown by our transport when a request outlives timeoutMs (gaxios wraps it as the cause). */
export class GoogleRequestTimeoutError extends Error {
  readonly code = 'ETIMEDOUT';
  constructor(timeoutMs: number) {
    super(`request timed out after ${timeoutMs} ms`);
    this.name = 'TimeoutError';
  }
}

interface NormalizeContextBase {
  /** The OAuth token endpoint in use: a failure of a request to it is an 'oauth' failure. */
  tokenUrl?: string;
  /** Strings that must never appear in a message (client secret, refresh and access tokens). */
  secrets?: string[];
}

/** What was attempted: an operation (decides the API, the history-404 rule and mayHaveCommitted) or at least the API. */
export type NormalizeContext = NormalizeContextBase & ({ operation: GoogleOperation; api?: never } | { api: GoogleApi; operation?: never });

/** Rate-limit reasons of the v1 style (usageLimits domain) and of google.rpc ErrorInfo. */
const RATE_LIMIT_REASONS = new Set(['rateLimitExceeded', 'userRateLimitExceeded', 'quotaExceeded', 'RATE_LIMIT_EXCEEDED']);
/** OAuth token-endpoint errors that only a new authorization fixes. */
const OAUTH_AUTH_ERRORS = new Set(['invalid_grant', 'invalid_client', 'unauthorized_client', 'invalid_scope', 'access_denied']);
const PEOPLE_EXPIRED_SYNC_TOKEN = /sync token is expired/i;

/** Of NETWORK_ERROR_CODES, the ones where no connection was made: the request cannot have reached Google. */
const NOT_SENT_CODES = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'ENETUNREACH', 'ENETDOWN', 'EHOSTUNREACH', 'UND_ERR_CONNECT_TIMEOUT']);
/** How deep the cause chain is searched for a network code: gaxios → undici's fetch failed → the socket error. */
const GOOGLE_CAUSE_DEPTH = 5;

const API_NAMES: Record<GoogleApi, string> = { calendar: 'Calendar', gmail: 'Gmail', people: 'People', oauth: 'OAuth token endpoint' };

interface Classified {
  kind: GoogleErrorKind;
  api: GoogleApi;
  retryable: boolean;
  status?: number;
  reason?: string;
  retryAfter?: string;
  detail: string;
  /** false when the request provably never reached the API (its mutation cannot have happened). */
  sent: boolean;
}

/** Turns any caught value into a GoogleSyncError. A GoogleSyncError passes through unchanged. */
export function normalizeGoogleError(error: unknown, context: NormalizeContext): GoogleSyncError {
  if (error instanceof GoogleSyncError) return error;
  const op = context.operation ? OPERATIONS[context.operation] : undefined;
  const c = classify(error, context);
  const nonIdempotent = op !== undefined && isNonIdempotent(op.kind);
  const mayHaveCommitted = nonIdempotent && c.kind === 'transient' && c.sent && c.api !== 'oauth';
  const where =
    c.api === 'oauth'
      ? `Google access token refresh failed${context.operation ? ` (before ${context.operation})` : ''}`
      : `Google ${API_NAMES[c.api]}${context.operation ? ` ${context.operation.replace(/^\w+\./, '')}` : ''} failed`;
  const code = [c.status, c.reason].filter((x) => x !== undefined).join(' ');
  const advice = mayHaveCommitted ? mayHaveCommittedAdvice(context.operation) : adviceFor(c);
  const secrets = [...(context.secrets ?? []), ...bearerTokens(error)];
  const message = redact(`${where}${code ? ` (${code})` : ''}: ${c.detail}. ${advice}`, secrets);
  return new GoogleSyncError({
    kind: c.kind,
    api: c.api,
    message,
    status: c.status,
    reason: c.reason,
    // A mutation that may have been applied must not be repeated blindly: the caller re-reads.
    retryable: mayHaveCommitted ? false : c.retryable,
    mayHaveCommitted: nonIdempotent ? mayHaveCommitted : undefined,
    retryAfter: c.retryAfter,
    cause: error,
  });
}

/** The HTTP status of a caught gaxios error, if it got an answer. */
export function httpStatusOf(error: unknown): number | undefined {
  if (error instanceof GoogleSyncError) return error.status;
  const g = asGaxios(error);
  return g?.response?.status ?? (typeof g?.status === 'number' ? g.status : undefined);
}

/** The shape of a GaxiosError we read (duck-typed: gaxios may be installed twice, in two versions). */
interface GaxiosLike extends Error {
  config?: { url?: unknown; headers?: unknown };
  response?: { status: number; data?: unknown; headers?: unknown };
  status?: number;
  code?: unknown;
}

function asGaxios(error: unknown): GaxiosLike | undefined {
  if (!(error instanceof Error)) return undefined;
  const e = error as GaxiosLike;
  return e.config !== undefined && typeof e.config === 'object' ? e : undefined;
}

/** The parsed `error` member of a Google error body and the reasons it carries. */
interface ErrorBody {
  message?: string;
  rpcStatus?: string;
  reasons: string[];
  /** The token endpoint's error code, e.g. invalid_grant. */
  oauthError?: string;
}

function classify(error: unknown, context: NormalizeContext): Classified {
  const op = context.operation !== undefined ? OPERATIONS[context.operation] : undefined;
  const contextApi: GoogleApi = context.operation !== undefined ? OPERATIONS[context.operation].api : context.api;
  const g = asGaxios(error);
  const isTokenRequest = g !== undefined && context.tokenUrl !== undefined && urlWithoutQuery(g.config?.url) === context.tokenUrl;

  if (g?.response) {
    const status = g.response.status;
    const body = readErrorBody(g.response.data);
    const api: GoogleApi = isTokenRequest || body.oauthError !== undefined ? 'oauth' : contextApi;
    const retryAfter = header(g.response.headers, 'retry-after');
    const detail = trimPeriod(body.message ?? body.oauthError ?? g.message ?? `HTTP ${status}`);
    const base = { api, status, retryAfter, sent: api !== 'oauth' };
    const firstReason = body.reasons[0] ?? body.rpcStatus;
    const is = (kind: GoogleErrorKind, reason = firstReason): Classified => ({
      ...base,
      kind,
      reason,
      retryable: isRetryableKind(kind),
      detail,
    });

    if (api === 'oauth') {
      if (status === 429) return is('rate_limited');
      if (status >= 500 || status === 408) return is('transient');
      return is('auth', body.oauthError ?? firstReason);
    }
    // Expired cursors first: each API says it differently, and People's shares 400 with others.
    if (api === 'calendar' && (status === 410 || body.reasons.includes('fullSyncRequired'))) return is('sync_token_expired', body.reasons.includes('fullSyncRequired') ? 'fullSyncRequired' : firstReason);
    if (context.operation === 'gmail.users.history.list' && status === 404) return is('sync_token_expired');
    if (body.reasons.includes('EXPIRED_SYNC_TOKEN') || (status === 400 && PEOPLE_EXPIRED_SYNC_TOKEN.test(body.message ?? ''))) {
      return is('sync_token_expired', 'EXPIRED_SYNC_TOKEN');
    }
    const rateReason = body.reasons.find((r) => RATE_LIMIT_REASONS.has(r));
    if (status === 429 || (status === 403 && (rateReason !== undefined || body.rpcStatus === 'RESOURCE_EXHAUSTED'))) return is('rate_limited', rateReason ?? firstReason);
    if (status === 401 || status === 403) return is('auth');
    // People answers a stale person.metadata.sources.etag with 400 failedPrecondition (on a read
    // there is no etag to be stale: such a 400 stays validation).
    if (api === 'people' && op?.kind !== 'read' && status === 400 && (body.reasons.includes('failedPrecondition') || body.rpcStatus === 'FAILED_PRECONDITION')) {
      return is('conflict', body.reasons.includes('failedPrecondition') ? 'failedPrecondition' : firstReason);
    }
    if (status === 409 || status === 412) return is('conflict');
    if (status === 404 || status === 410) return is('not_found');
    if (status === 408 || status >= 500) return is('transient');
    return is('validation');
  }

  const api: GoogleApi = isTokenRequest ? 'oauth' : contextApi;
  if (isTimeout(error)) {
    return { kind: 'transient', api, retryable: true, reason: 'timeout', detail: trimPeriod(messageOf(error)), sent: api !== 'oauth' };
  }
  if (isNetworkError(error)) {
    const code = networkCode(error, GOOGLE_CAUSE_DEPTH);
    return {
      kind: 'transient',
      api,
      retryable: true,
      reason: code ?? 'network_error',
      detail: `network error: ${trimPeriod(messageOf(error))}`,
      sent: api !== 'oauth' && !(code !== undefined && NOT_SENT_CODES.has(code)),
    };
  }
  if (error instanceof Error && /No refresh token is set|No access, refresh token/i.test(error.message)) {
    return { kind: 'auth', api: 'oauth', retryable: false, reason: 'no_refresh_token', detail: 'no refresh token is configured', sent: false };
  }
  if (error instanceof Error && /^Missing required parameters/.test(error.message)) {
    // googleapis-common refuses before sending.
    return { kind: 'validation', api, retryable: false, reason: 'missing_parameters', detail: trimPeriod(error.message), sent: false };
  }
  if (error instanceof SyntaxError) {
    return { kind: 'transient', api, retryable: true, reason: 'invalid_response', detail: `unreadable response: ${error.message}`, sent: true };
  }
  // Not an HTTP or network failure: most likely a bug. Kept as transient (the run can be retried)
  // but marked non-retryable so the retry loop does not spin on it.
  return { kind: 'transient', api, retryable: false, reason: 'unexpected', detail: `unexpected error: ${messageOf(error)}`, sent: true };
}

function readErrorBody(data: unknown): ErrorBody {
  let parsed = data;
  if (typeof data === 'string') {
    try {
      parsed = JSON.parse(data);
    } catch {
      return { reasons: [], message: data.trim() ? data.slice(0, 200) : undefined };
    }
  }
  const err = isObject(parsed) ? parsed.error : undefined;
  if (typeof err === 'string') {
    const description = isObject(parsed) && typeof parsed.error_description === 'string' ? parsed.error_description : undefined;
    return { reasons: [err], oauthError: err, message: description ? `${err}: ${description}` : err };
  }
  if (!isObject(err)) return { reasons: [] };
  const reasons: string[] = [];
  for (const list of [err.errors, err.details]) {
    if (!Array.isArray(list)) continue;
    for (const item of list) if (isObject(item) && typeof item.reason === 'string') reasons.push(item.reason);
  }
  return {
    reasons,
    message: typeof err.message === 'string' ? err.message : undefined,
    rpcStatus: typeof err.status === 'string' ? err.status : undefined,
  };
}

const REAUTHORIZE =
  'Re-authorize jarvis-sync with Google to obtain a new GOOGLE_REFRESH_TOKEN (refresh tokens of an OAuth app in "Testing" status expire after 7 days; revoking access also invalidates them)';

function adviceFor(c: Classified): string {
  switch (c.kind) {
    case 'sync_token_expired':
      switch (c.api) {
        case 'calendar':
          return 'The stored Calendar syncToken is no longer valid: forget it and run a full sync (listEvents without syncToken)';
        case 'gmail':
          return 'The stored Gmail startHistoryId is too old: forget it, run a full sync (listMessageIds) and store the historyId of getProfile';
        default:
          return 'The stored People syncToken has expired (they last 7 days): forget it and run a full sync (listConnections without syncToken)';
      }
    case 'auth':
      if (c.api === 'oauth') return `Google refused the refresh token or client credentials. ${REAUTHORIZE}; check GOOGLE_CLIENT_ID and GOOGLE_CLIENT_SECRET too`;
      if (c.status === 403) return `Google refused access: check that the API is enabled for the OAuth client's project and that the granted scopes cover this call. ${REAUTHORIZE} if the scopes changed`;
      return `Google rejected the credentials. ${REAUTHORIZE}`;
    case 'not_found':
      return 'Check the id (calendar, message or contact resource name); it may have been deleted';
    case 'validation':
      return 'Google refused the request as invalid: fix the value or the mapping; retrying will not help';
    case 'conflict':
      return c.api === 'people'
        ? 'The contact changed since it was read (its etag is stale): re-read it with getPerson, merge, and update with the new metadata.sources etag'
        : 'The resource changed concurrently: re-read it and apply the change again';
    case 'rate_limited':
      return 'Google is throttling this user or project: requests back off (honouring Retry-After); if it persists, lower requestsPerSecond or stop other jobs using the same account';
    case 'transient':
      return c.retryable
        ? 'Google or the network failed temporarily: it is safe to retry later'
        : 'This looks like a bug in jarvis-sync: please report it with the log line';
  }
}

function mayHaveCommittedAdvice(operation: GoogleOperation | undefined): string {
  return operation === 'people.updateContact'
    ? 'The update may have been applied before the failure: re-read the contact with getPerson and compare before updating again (a repeat with the old etag would fail)'
    : 'The contact may have been created before the failure: look it up (listConnections or getPerson) before creating it again';
}

function isTimeout(error: unknown): boolean {
  for (let e: unknown = error, depth = 0; e instanceof Error && depth < 4; depth++) {
    if (e instanceof GoogleRequestTimeoutError || e.name === 'TimeoutError') return true;
    e = (e as { cause?: unknown }).cause;
  }
  return false;
}

function isNetworkError(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  if (networkCode(error, GOOGLE_CAUSE_DEPTH)) return true;
  for (let e: unknown = error, depth = 0; e instanceof Error && depth < 4; depth++) {
    if (e.name === 'AbortError' || NETWORK_MESSAGE.test(e.message)) return true;
    e = (e as { cause?: unknown }).cause;
  }
  return false;
}

/** The access token a failed request carried, if the error still holds it: kept out of messages. */
function bearerTokens(error: unknown): string[] {
  const headers = asGaxios(error)?.config?.headers;
  const auth = header(headers, 'authorization');
  const m = auth ? /^Bearer\s+(.+)$/i.exec(auth) : null;
  return m?.[1] ? [m[1]] : [];
}

function urlWithoutQuery(url: unknown): string | undefined {
  const s = url instanceof URL ? url.href : typeof url === 'string' ? url : undefined;
  return s?.split('?')[0];
}

function isObject(x: unknown): x is Record<string, unknown> {
  return typeof x === 'object' && x !== null;
}

/** The distinct messages along the cause chain: gaxios wraps undici's "fetch failed", which wraps the socket error. */
function messageOf(error: unknown): string {
  const parts: string[] = [];
  for (let e: unknown = error, depth = 0; e !== undefined && e !== null && depth < 5; depth++) {
    const m = e instanceof Error ? e.message : typeof e === 'object' ? undefined : String(e);
    if (m && !parts.includes(m)) parts.push(m);
    e = e instanceof Error ? (e as { cause?: unknown }).cause : undefined;
  }
  return parts.join(': ') || 'unknown error';
}

/** Replaces each secret, raw or percent-encoded (as in a form body or a URL), with [redacted]. */
export function redact(message: string, secrets: string[] = []): string {
  let out = message;
  for (const s of secrets) {
    if (!s || s.length < 4) continue;
    for (const form of new Set([s, encodeURIComponent(s), new URLSearchParams({ s }).toString().slice(2)])) out = out.split(form).join('[redacted]');
  }
  return out;
}

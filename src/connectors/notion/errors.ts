/**
 * Every failure of the Notion connector becomes one NotionSyncError (a ConnectorError, see
 * ../errors.ts) with a kind from a closed vocabulary, normalized exactly once (normalizeNotionError
 * is idempotent), so callers branch on `kind` and never on SDK classes, HTTP statuses or undici
 * error codes.
 */
import {
  APIErrorCode,
  APIResponseError,
  InvalidPathParameterError,
  RequestTimeoutError,
  UnknownHTTPResponseError,
} from '@notionhq/client';
import { ConnectorError, NETWORK_MESSAGE, header, isRetryableKind, networkCode, trimPeriod, type ConnectorErrorInit } from '../errors.ts';
import type { NotionErrorKind } from './types.ts';

export type { NotionErrorKind };

/** Of the shared fields, mayHaveCommitted is set on failed creates (pages.create): look the page up before re-creating. */
export interface NotionSyncErrorInit extends ConnectorErrorInit<NotionErrorKind> {
  /** Notion's error code (object_not_found, rate_limited…) or a local one (request_timeout, network_error…). */
  code?: string;
  requestId?: string;
}

export class NotionSyncError extends ConnectorError<NotionErrorKind> {
  readonly code?: string;
  readonly requestId?: string;

  constructor(init: NotionSyncErrorInit) {
    super(init);
    this.name = 'NotionSyncError';
    this.code = init.code;
    this.requestId = init.requestId;
  }
}

export function isNotionSyncError(e: unknown): e is NotionSyncError {
  return e instanceof NotionSyncError;
}

/** A local refusal (bad property value, bad id…): never sent, never retried. */
export function validationError(message: string, cause?: unknown): NotionSyncError {
  return new NotionSyncError({ kind: 'validation', message, retryable: false, cause });
}

export interface NormalizeContext {
  /** What was attempted, e.g. "POST /v1/pages"; prefixed to the message. */
  operation?: string;
  /**
   * The request is not idempotent (pages.create): a transient failure may have happened after
   * Notion committed it, so the error carries mayHaveCommitted and is not retryable as is.
   */
  nonIdempotent?: boolean;
  /** Strings that must never appear in a message (the token). */
  secrets?: string[];
}

const CODE_TO_KIND: Record<string, NotionErrorKind> = {
  [APIErrorCode.Unauthorized]: 'auth',
  [APIErrorCode.RestrictedResource]: 'auth',
  [APIErrorCode.ObjectNotFound]: 'not_found',
  [APIErrorCode.ValidationError]: 'validation',
  [APIErrorCode.InvalidJSON]: 'validation',
  [APIErrorCode.InvalidRequest]: 'validation',
  [APIErrorCode.InvalidRequestURL]: 'validation',
  [APIErrorCode.InvalidBeta]: 'validation',
  [APIErrorCode.ConflictError]: 'conflict',
  [APIErrorCode.RateLimited]: 'rate_limited',
  [APIErrorCode.ServiceOverload]: 'rate_limited',
  [APIErrorCode.InternalServerError]: 'transient',
  [APIErrorCode.ServiceUnavailable]: 'transient',
  [APIErrorCode.GatewayTimeout]: 'transient',
};

interface Classified {
  kind: NotionErrorKind;
  retryable: boolean;
  status?: number;
  code?: string;
  requestId?: string;
  retryAfter?: string;
  detail: string;
}

/** Turns any caught value into a NotionSyncError. A NotionSyncError passes through unchanged. */
export function normalizeNotionError(error: unknown, context: NormalizeContext = {}): NotionSyncError {
  if (error instanceof NotionSyncError) return error;
  const c = classify(error);
  const mayHaveCommitted = context.nonIdempotent === true && c.kind === 'transient';
  const where = context.operation ? `Notion ${context.operation} failed` : 'Notion request failed';
  const status = c.status !== undefined ? ` (${c.status}${c.code ? ` ${c.code}` : ''})` : c.code ? ` (${c.code})` : '';
  const requestId = c.requestId ? ` [request_id ${c.requestId}]` : '';
  const advice = mayHaveCommitted ? MAY_HAVE_COMMITTED_ADVICE : adviceFor(c);
  const message = redact(`${where}${status}: ${c.detail}. ${advice}${requestId}`, context.secrets);
  return new NotionSyncError({
    kind: c.kind,
    message,
    status: c.status,
    code: c.code,
    requestId: c.requestId,
    // A create that may have committed must not be blindly repeated: the caller looks it up first.
    retryable: mayHaveCommitted ? false : c.retryable,
    mayHaveCommitted: mayHaveCommitted || undefined,
    retryAfter: c.retryAfter,
    cause: error,
  });
}

function classify(error: unknown): Classified {
  if (APIResponseError.isAPIResponseError(error)) {
    const kind = CODE_TO_KIND[error.code] ?? kindForStatus(error.status);
    return {
      kind,
      retryable: isRetryableKind(kind),
      status: error.status,
      code: error.code,
      requestId: error.request_id,
      retryAfter: header(error.headers, 'retry-after'),
      detail: trimPeriod(error.message),
    };
  }
  if (UnknownHTTPResponseError.isUnknownHTTPResponseError(error)) {
    // Non-JSON bodies (proxies, HTML 502 pages) or codes outside the SDK enum (missing_version…).
    const kind = kindForStatus(error.status);
    return {
      kind,
      retryable: isRetryableKind(kind),
      status: error.status,
      code: unknownCode(error.body),
      requestId: error.request_id,
      retryAfter: header(error.headers, 'retry-after'),
      detail: trimPeriod(error.message),
    };
  }
  if (RequestTimeoutError.isRequestTimeoutError(error)) {
    return { kind: 'transient', retryable: true, code: 'request_timeout', detail: trimPeriod(error.message) };
  }
  if (InvalidPathParameterError.isInvalidPathParameterError(error)) {
    return { kind: 'validation', retryable: false, detail: trimPeriod(error.message) };
  }
  if (isNetworkError(error)) {
    const code = networkCode(error, NOTION_CAUSE_DEPTH);
    return { kind: 'transient', retryable: true, code: code ?? 'network_error', detail: `network error: ${messageOf(error)}` };
  }
  if (error instanceof SyntaxError) {
    // The SDK JSON.parses 2xx bodies; a proxy answering HTML with 200 lands here.
    return { kind: 'transient', retryable: true, code: 'invalid_response', detail: `unreadable response: ${error.message}` };
  }
  // Not an HTTP or network failure: most likely a bug. Kept as transient (the run can be retried)
  // but marked non-retryable so the retry loop does not spin on it.
  return { kind: 'transient', retryable: false, code: 'unexpected', detail: `unexpected error: ${messageOf(error)}` };
}

function kindForStatus(status: number): NotionErrorKind {
  if (status === 429 || status === 529) return 'rate_limited';
  if (status === 401 || status === 403) return 'auth';
  if (status === 404) return 'not_found';
  if (status === 409) return 'conflict';
  if (status === 408 || status >= 500) return 'transient';
  return 'validation';
}

const MAY_HAVE_COMMITTED_ADVICE =
  'The page may have been created before the failure: look it up by its sync key (findPagesByRichText) before creating it again';

function adviceFor(c: Classified): string {
  switch (c.kind) {
    case 'auth':
      return c.code === APIErrorCode.RestrictedResource || c.status === 403
        ? 'The integration may not access this resource: share the database with the integration and check its capabilities (read, update, insert content)'
        : 'Notion rejected the token: check NOTION_TOKEN and that the database is shared with the integration';
    case 'not_found':
      return 'Check the id, and that the page or database is shared with the integration (Notion answers 404 for objects it cannot see)';
    case 'validation':
      return 'Notion refused the request as invalid: fix the value or the dataset mapping; retrying will not help';
    case 'conflict':
      return 'The page was changed concurrently: re-read it and apply the change again';
    case 'rate_limited':
      return 'Notion is throttling this integration: requests wait for Retry-After; if it persists, lower requestsPerSecond or stop other jobs using the same token';
    case 'transient':
      return c.retryable
        ? 'Notion or the network failed temporarily: it is safe to retry later'
        : 'This looks like a bug in jarvis-sync: please report it with the log line';
  }
}

/** How deep the cause chain is searched for a network code: undici's fetch failed → the socket error. */
const NOTION_CAUSE_DEPTH = 4;

function isNetworkError(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  if (error.name === 'AbortError' || error.name === 'TimeoutError') return true;
  if (networkCode(error, NOTION_CAUSE_DEPTH)) return true;
  const cause = (error as { cause?: unknown }).cause;
  return NETWORK_MESSAGE.test(error.message) || (cause instanceof Error && NETWORK_MESSAGE.test(cause.message));
}

/** Error codes outside the SDK enum (e.g. missing_version) are kept when the body is JSON. */
function unknownCode(body: string): string | undefined {
  try {
    const parsed = JSON.parse(body) as { code?: unknown };
    return typeof parsed.code === 'string' ? parsed.code : undefined;
  } catch {
    return undefined;
  }
}

function messageOf(error: unknown): string {
  if (error instanceof Error) {
    const cause = (error as { cause?: unknown }).cause;
    const causeMessage = cause instanceof Error && cause.message !== error.message ? ` (${cause.message})` : '';
    return `${error.message}${causeMessage}`;
  }
  return String(error);
}

function redact(message: string, secrets: string[] = []): string {
  let out = message;
  for (const s of secrets) if (s) out = out.split(s).join('[redacted]');
  return out;
}

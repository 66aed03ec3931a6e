/**
 * Error bodies as Google sends them. Three styles:
 * - "v1" (Calendar, Gmail): {"error":{"errors":[{domain, reason, message}], code, message, status?}}
 * - "rpc" (People): {"error":{code, message, status, details?}} (google.rpc.Status)
 * - "oauth" (POST /token): {"error": "invalid_grant", "error_description": "..."}
 * gaxios turns all three into a GaxiosError with `.status` and the raw body in `.response.data`.
 */

export type Api = 'calendar' | 'gmail' | 'people' | 'oauth';

export class GoogleError extends Error {
  constructor(
    readonly status: number,
    readonly payload: Record<string, unknown>,
    readonly headers: Record<string, string> = {},
  ) {
    const e = payload.error as any;
    super(typeof e === 'string' ? e : String(e?.message ?? 'error'));
    this.name = 'GoogleError';
  }
}

const RPC_STATUS: Record<number, string> = {
  400: 'INVALID_ARGUMENT',
  401: 'UNAUTHENTICATED',
  403: 'PERMISSION_DENIED',
  404: 'NOT_FOUND',
  409: 'ABORTED',
  410: 'FAILED_PRECONDITION',
  429: 'RESOURCE_EXHAUSTED',
  500: 'INTERNAL',
  502: 'UNAVAILABLE',
  503: 'UNAVAILABLE',
  504: 'DEADLINE_EXCEEDED',
};

export interface V1Options {
  domain?: string;
  /** google.rpc status string; Gmail and newer Calendar errors carry it, older Calendar ones don't. */
  status?: string | null;
  location?: string;
  locationType?: string;
  headers?: Record<string, string>;
}

/** Calendar / Gmail style. */
export function v1Error(code: number, reason: string, message: string, o: V1Options = {}): GoogleError {
  const item: Record<string, string> = { domain: o.domain ?? 'global', reason, message };
  if (o.locationType) item.locationType = o.locationType;
  if (o.location) item.location = o.location;
  const error: Record<string, unknown> = { errors: [item], code, message };
  if (o.status) error.status = o.status;
  return new GoogleError(code, { error }, o.headers);
}

export interface RpcOptions {
  status?: string;
  details?: unknown[];
  /** A legacy `errors[]` reason next to the google.rpc fields (some People errors carry one). */
  legacyReason?: string;
  headers?: Record<string, string>;
}

/** People style (google.rpc.Status). */
export function rpcError(code: number, message: string, o: RpcOptions = {}): GoogleError {
  const error: Record<string, unknown> = { code, message };
  if (o.legacyReason) error.errors = [{ message, domain: 'global', reason: o.legacyReason }];
  error.status = o.status ?? RPC_STATUS[code] ?? 'UNKNOWN';
  if (o.details) error.details = o.details;
  return new GoogleError(code, { error }, o.headers);
}

export const errorInfo = (reason: string, domain: string, metadata?: Record<string, string>) => ({
  '@type': 'type.googleapis.com/google.rpc.ErrorInfo',
  reason,
  domain,
  ...(metadata ? { metadata } : {}),
});

export function oauthError(code: number, error: string, description?: string): GoogleError {
  return new GoogleError(code, description === undefined ? { error } : { error, error_description: description });
}

// ---- errors shared by the APIs -----------------------------------------------------------------

const AUTH_MESSAGE =
  'Request had invalid authentication credentials. Expected OAuth 2 access token, login cookie or other valid authentication credential. See https://developers.google.com/identity/sign-in/web/devconsole-project.';

export function authError(api: Api, missing: boolean): GoogleError {
  if (api === 'people') {
    const message = missing
      ? 'Request is missing required authentication credential. Expected OAuth 2 access token, login cookie or other valid authentication credential. See https://developers.google.com/identity/sign-in/web/devconsole-project.'
      : AUTH_MESSAGE;
    // UNCERTAIN: the ErrorInfo reason for an unknown/expired token.
    return rpcError(401, message, { details: [errorInfo(missing ? 'CREDENTIALS_MISSING' : 'ACCESS_TOKEN_EXPIRED', 'googleapis.com', { service: 'people.googleapis.com', method: 'google.people.v1' })] });
  }
  return v1Error(401, 'authError', 'Invalid Credentials', {
    status: 'UNAUTHENTICATED',
    location: 'Authorization',
    locationType: 'header',
  });
}

/**
 * Retry-After on Calendar/Gmail rate-limit answers (403 userRateLimitExceeded / rateLimitExceeded and 429), in
 * delta-seconds as Google's front end sends it. UNCERTAIN how consistently Google sends it; Nylas' error guide
 * says to honour it. People's 429 (google.rpc style) carries none here.
 */
const retryAfter = (seconds: number) => ({ 'retry-after': String(Math.max(1, Math.ceil(seconds))) });
/** Injected rate-limit faults say "try again in a second" (the limiter's answers say how long it really is). */
export const INJECTED_RETRY_AFTER_S = 1;

/** The limiter's answer: Calendar/Gmail 403 userRateLimitExceeded (domain usageLimits) with Retry-After, People 429. */
export function rateLimited(api: Api, waitSeconds = 1): GoogleError {
  if (api === 'people') return peopleQuota();
  return v1Error(403, 'userRateLimitExceeded', api === 'gmail' ? 'User-rate limit exceeded.' : 'User Rate Limit Exceeded', {
    domain: 'usageLimits',
    status: 'PERMISSION_DENIED',
    headers: retryAfter(waitSeconds),
  });
}

function peopleQuota(): GoogleError {
  // UNCERTAIN: the exact metric names; the shape (429 RESOURCE_EXHAUSTED + ErrorInfo) is documented.
  const metric = 'people.googleapis.com/read_requests';
  return rpcError(
    429,
    "Quota exceeded for quota metric 'Read requests' and limit 'Read requests per minute per user' of service 'people.googleapis.com' for consumer 'project_number:000000000000'.",
    {
      details: [
        errorInfo('RATE_LIMIT_EXCEEDED', 'googleapis.com', {
          quota_metric: metric,
          quota_limit: 'ReadRequestsPerMinutePerUser',
          service: 'people.googleapis.com',
          consumer: 'projects/000000000000',
        }),
      ],
    },
  );
}

/** The failure an injected status produces, in the style of the API that was called. */
export function faultError(api: Api, status: number): GoogleError {
  if (api === 'oauth') {
    // UNCERTAIN: what the token endpoint sends when it is overloaded.
    if (status === 429 || status === 403) return oauthError(status, 'rate_limit_exceeded', 'Rate limit exceeded.');
    return oauthError(status, 'internal_failure', 'Backend Error');
  }
  if (api === 'people') {
    switch (status) {
      case 403:
        // UNCERTAIN: People per-user limits surface as 429; a 403 here follows the v1 rateLimitExceeded idea.
        return rpcError(403, 'Rate Limit Exceeded', { details: [errorInfo('RATE_LIMIT_EXCEEDED', 'googleapis.com')] });
      case 429:
        return peopleQuota();
      case 500:
        return rpcError(500, 'Internal error encountered.');
      case 503:
        return rpcError(503, 'The service is currently unavailable.');
      case 504:
        return rpcError(504, 'The request timed out. Please try again.');
      default:
        return rpcError(status, `Injected failure (${status}).`);
    }
  }
  switch (status) {
    case 403:
      return v1Error(403, 'rateLimitExceeded', 'Rate Limit Exceeded', { domain: 'usageLimits', headers: retryAfter(INJECTED_RETRY_AFTER_S) });
    case 429:
      return v1Error(429, 'rateLimitExceeded', 'Rate Limit Exceeded', { domain: 'usageLimits', status: 'RESOURCE_EXHAUSTED', headers: retryAfter(INJECTED_RETRY_AFTER_S) });
    case 500:
      return v1Error(500, 'backendError', 'Backend Error');
    case 503:
      return v1Error(503, 'backendError', 'The service is currently unavailable.', { status: 'UNAVAILABLE' });
    case 504:
      return v1Error(504, 'backendError', 'Deadline exceeded.', { status: 'DEADLINE_EXCEEDED' });
    default:
      return v1Error(status, 'backendError', `Injected failure (${status}).`);
  }
}

/** A path no route knows. Real Google answers an HTML 404; JSON here tells the developer what is missing. */
export function unknownRoute(api: Api, method: string, path: string): GoogleError {
  const message = `The emulator does not implement ${method} ${path}.`;
  return api === 'people' ? rpcError(404, message) : v1Error(404, 'notFound', message, { status: 'NOT_FOUND' });
}

export const badRequestV1 = (message: string, reason = 'invalid', o: V1Options = {}) => v1Error(400, reason, message, o);
export const invalidArgument = (message: string) => rpcError(400, message);

/**
 * Errors as Notion sends them. Codes come from the SDK's APIErrorCode enum: any other code makes the
 * SDK throw UnknownHTTPResponseError and skip its retry logic, so only `missing_version` (which the
 * real API also sends and the SDK also cannot parse) is outside the enum.
 */

export type NotionErrorCode =
  | 'unauthorized'
  | 'restricted_resource'
  | 'object_not_found'
  | 'rate_limited'
  | 'invalid_json'
  | 'invalid_request_url'
  | 'invalid_request'
  | 'validation_error'
  | 'conflict_error'
  | 'internal_server_error'
  | 'service_overload'
  | 'service_unavailable'
  | 'gateway_timeout'
  | 'missing_version';

export class NotionError extends Error {
  constructor(
    readonly status: number,
    readonly code: NotionErrorCode,
    message: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
    this.name = 'NotionError';
  }

  body(requestId: string): Record<string, unknown> {
    return { object: 'error', status: this.status, code: this.code, message: this.message, request_id: requestId };
  }
}

export const validation = (message: string) => new NotionError(400, 'validation_error', message);

/** "body failed validation: body.page_size should be ≤ `100`, instead was `101`." */
export const bodyInvalid = (path: string, expectation: string, actual?: unknown) =>
  validation(
    `body failed validation: ${path} should be ${expectation}` +
      (actual === undefined ? '.' : `, instead was \`${JSON.stringify(actual)}\`.`),
  );

/**
 * A malformed id (not 32 hex digits, with or without dashes) is a 400, not a 404, in Notion's words:
 * "path failed validation: path.page_id should be a valid uuid, instead was `"abc"`."
 */
export const invalidUuid = (path: string, raw: unknown) =>
  validation(`${path.split('.')[0]} failed validation: ${path} should be a valid uuid, instead was \`${JSON.stringify(raw)}\`.`);

export const tooLong = (path: string, max: number, actual: number) =>
  validation(`body failed validation: ${path}.length should be ≤ \`${max}\`, instead was \`${actual}\`.`);

const shareHint = 'Make sure the relevant pages and databases are shared with your integration.';

export const notFound = (kind: 'page' | 'database' | 'data_source' | 'block' | 'user' | 'property', id: string) =>
  new NotionError(404, 'object_not_found', `Could not find ${kind.replace('_', ' ')} with ID: ${id}. ${shareHint}`);

export const invalidUrl = (method: string, path: string) =>
  new NotionError(400, 'invalid_request_url', `Invalid request URL: ${method} ${path}.`);

export const unauthorized = () => new NotionError(401, 'unauthorized', 'API token is invalid.');

export const missingVersion = () =>
  new NotionError(400, 'missing_version', 'Notion-Version header failed validation: Notion-Version header should be defined, instead was `undefined`.');

export const invalidJson = () => new NotionError(400, 'invalid_json', 'Error parsing JSON body.');

export const rateLimited = (retryAfterSeconds: number) =>
  new NotionError(429, 'rate_limited', 'You have been rate limited. Please try again in a few minutes.', {
    'retry-after': String(Math.max(1, Math.ceil(retryAfterSeconds))),
  });

/** The failure each injectable status produces. 502 is special-cased by the server (an HTML body from a proxy). */
export function faultError(status: number): NotionError {
  switch (status) {
    case 409:
      return new NotionError(409, 'conflict_error', 'Conflict occurred while saving. Please try again.');
    case 429:
      return rateLimited(1);
    case 500:
      return new NotionError(500, 'internal_server_error', 'Unexpected error occurred.');
    case 503:
      return new NotionError(503, 'service_unavailable', 'Notion is unavailable, please try again later.');
    case 504:
      return new NotionError(504, 'gateway_timeout', 'Notion timed out while processing this request.');
    case 529:
      return new NotionError(529, 'service_overload', 'Notion is overloaded, please try again later.', { 'retry-after': '1' });
    default:
      return new NotionError(status, 'internal_server_error', `Injected failure (${status}).`);
  }
}

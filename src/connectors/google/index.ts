/** Public API of the Google connector. */
export { createGoogleConnector, GOOGLE_TOKEN_URL, PERSON_FIELDS, GMAIL_METADATA_HEADERS } from './connector.ts';
export {
  GoogleSyncError,
  GoogleRequestTimeoutError,
  normalizeGoogleError,
  isGoogleSyncError,
  validationError,
  httpStatusOf,
  type NormalizeContext,
  type GoogleSyncErrorInit,
} from './errors.ts';
export { OPERATIONS, type GoogleOperation, type RequestKind } from './operations.ts';
export { decideRetry, withRetry, DEFAULT_RETRY_POLICY, type RetryPolicy, type RetryDecision } from './retry.ts';
export { endpointKey } from './transport.ts';
export { mapWithConcurrency, Mutex } from './concurrency.ts';
export type {
  GoogleConnector,
  GoogleConnectorOptions,
  GoogleErrorKind,
  GoogleApi,
  GoogleRequestStats,
  CalendarListOptions,
  GmailHistoryChanges,
  calendar_v3,
  gmail_v1,
  people_v1,
} from './types.ts';

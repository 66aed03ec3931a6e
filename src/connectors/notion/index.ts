/** Public API of the Notion connector. */
export { createNotionConnector, NOTION_VERSION } from './connector.ts';
export { NotionSyncError, normalizeNotionError, isNotionSyncError, validationError, type NormalizeContext } from './errors.ts';
export { Pacer, type PacerOptions } from './pacer.ts';
export { decideRetry, withRetry, backoffMs, retryAfterMs, DEFAULT_RETRY_POLICY, type RequestKind, type RetryPolicy, type RetryDecision } from './retry.ts';
export { endpointKey } from './transport.ts';
export { toDashedId, requireDashedId, idFromIdOrUrl } from './ids.ts';
export { splitText, toRichText, plainText, MAX_TEXT_CONTENT_LENGTH, MAX_RICH_TEXT_ITEMS } from './rich-text.ts';
export { buildQueryFilter } from './query-filter.ts';
export {
  Extract,
  Build,
  extractValue,
  buildValue,
  PROPERTY_TYPES,
  WRITABLE_PROPERTY_TYPES,
  MAX_ARRAY_ITEMS,
  type CanonicalValues,
  type CanonicalValue,
  type NotionPropertyType,
  type WritablePropertyType,
  type PropertyRequest,
  type DateValue,
  type DateInput,
  type FileValue,
  type FileInput,
  type PlaceValue,
  type VerificationValue,
  type FormulaValue,
  type RollupValue,
  type PageLike,
  type PropertyValueLike,
} from './properties.ts';
export type {
  NotionConnector,
  NotionConnectorOptions,
  NotionErrorKind,
  NotionPage,
  NotionPropertyValue,
  NotionRequestStats,
  DataSourceInfo,
  NotionIdentity,
  QueryOptions,
} from './types.ts';

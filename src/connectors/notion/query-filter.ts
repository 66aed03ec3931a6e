/**
 * Builds the query filter: the incremental watermark (last_edited_time on_or_after) and the
 * caller's filter, combined under one `and`. Notion allows two levels of nesting and the
 * windowing helper appends its created_time bound to this top-level `and`, so a caller's `and`
 * is flattened into it rather than nested.
 */
import type { FullDataSourceQueryFilter } from '@notionhq/client';
import { validationError } from './errors.ts';
import type { QueryOptions } from './types.ts';

export function buildQueryFilter(options: QueryOptions = {}): FullDataSourceQueryFilter | undefined {
  const parts: Record<string, unknown>[] = [];
  if (options.editedOnOrAfter !== undefined) {
    if (typeof options.editedOnOrAfter !== 'string' || Number.isNaN(Date.parse(options.editedOnOrAfter))) {
      throw validationError(`editedOnOrAfter must be an ISO 8601 timestamp, got ${JSON.stringify(options.editedOnOrAfter)}`);
    }
    parts.push({ timestamp: 'last_edited_time', last_edited_time: { on_or_after: options.editedOnOrAfter } });
  }
  const extra = options.filter;
  if (extra) {
    if (Array.isArray((extra as { and?: unknown }).and)) parts.push(...((extra as { and: Record<string, unknown>[] }).and));
    else parts.push(extra);
  }
  if (parts.length === 0) return undefined;
  // A lone property/timestamp filter goes as is; an `or` must sit under `and` (the helper refuses a top-level `or`).
  if (parts.length === 1 && !('or' in parts[0]!)) return parts[0] as FullDataSourceQueryFilter;
  return { and: parts } as FullDataSourceQueryFilter;
}

/**
 * Notion ids arrive dashed (API responses) or dashless (URLs, copied from the browser).
 * Everything we store or compare uses one form: dashed, lowercase.
 */
import { extractNotionId } from '@notionhq/client';
import { validationError } from './errors.ts';

const COMPACT_ID = /^[0-9a-f]{32}$/;

/** Dashed lowercase form of a bare id (with or without dashes), or null if it is not an id. */
export function toDashedId(id: string): string | null {
  const compact = id.trim().toLowerCase().replace(/-/g, '');
  if (!COMPACT_ID.test(compact)) return null;
  return `${compact.slice(0, 8)}-${compact.slice(8, 12)}-${compact.slice(12, 16)}-${compact.slice(16, 20)}-${compact.slice(20)}`;
}

/** Like toDashedId but throws a validation error naming `what` (e.g. "page id"). */
export function requireDashedId(id: string, what: string): string {
  const dashed = typeof id === 'string' ? toDashedId(id) : null;
  if (!dashed) throw validationError(`Invalid Notion ${what} "${String(id)}": expected 32 hex digits, with or without dashes`);
  return dashed;
}

/** Accepts an id or a Notion URL (users paste database links); returns the dashed id. */
export function idFromIdOrUrl(value: string, what: string): string {
  const dashed = typeof value === 'string' ? (toDashedId(value) ?? extractNotionId(value)) : null;
  if (!dashed) throw validationError(`Invalid Notion ${what} "${String(value)}": expected an id (32 hex digits) or a Notion URL containing one`);
  return dashed;
}

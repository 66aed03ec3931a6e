/**
 * Column and dataset names derived from Notion names: lower-case SQL identifiers (what the config
 * and src/store/identifiers.ts accept), "Due Date" → due_date, "Prep (min)" → prep_min,
 * "Café" → cafe, "dueDate" → due_date. Deterministic, so running inspect twice prints the same stanza.
 */
import { STANDARD_COLUMN_NAMES } from '../../config/schema.ts';

const MAX_IDENTIFIER = 63;
export const IDENTIFIER = /^[a-z_][a-z0-9_]{0,62}$/;

/** `name` as an identifier: accents dropped, words joined by `_`, a leading digit prefixed with `_`, `fallback` when nothing is left. */
export function identifierFrom(name: string, fallback: string): string {
  let s = name
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .replace(/([a-z0-9])([A-Z])/g, '$1_$2')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '_')
    .replace(/^_+|_+$/g, '');
  if (s === '') s = fallback;
  if (/^[0-9]/.test(s)) s = `_${s}`;
  return s.slice(0, MAX_IDENTIFIER).replace(/_+$/, '') || fallback;
}

/**
 * Hands out distinct column names for properties, in the order asked. A name that is one of the
 * standard columns every dataset table has (id, notion_page_id, created_at, updated_at, …) gets a
 * `notion_` prefix ("Created at" → notion_created_at: the Notion one); a name already handed out
 * (or a standard one that has the prefix already, "Notion page id") gets `_2`, `_3`, … (kept
 * within 63 characters).
 */
export class ColumnNamer {
  private readonly taken = new Set<string>(STANDARD_COLUMN_NAMES);

  next(propertyName: string): string {
    let base = identifierFrom(propertyName, 'property');
    if ((STANDARD_COLUMN_NAMES as readonly string[]).includes(base) && !base.startsWith('notion_')) base = `notion_${base}`.slice(0, MAX_IDENTIFIER);
    let candidate = base;
    for (let n = 2; this.taken.has(candidate); n++) {
      const suffix = `_${n}`;
      candidate = `${base.slice(0, MAX_IDENTIFIER - suffix.length)}${suffix}`;
    }
    this.taken.add(candidate);
    return candidate;
  }
}

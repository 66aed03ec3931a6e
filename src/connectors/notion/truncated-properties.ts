/**
 * Page objects (from query or retrieve) carry at most 25 references per relation (and people)
 * property; relations are flagged with has_more: true — a flag the SDK types do not even declare
 * (issue #443) — people are not flagged at all.
 * Read as is, a 60-target relation would sync as 25 and, written back, delete 35 links.
 * These helpers replace such values with the full list from the paginated property-item endpoint.
 */
import type { GetPagePropertyParameters, GetPagePropertyResponse } from '@notionhq/client';
import { NotionSyncError } from './errors.ts';
import type { NotionPage, NotionPropertyValue } from './types.ts';

/** Array-valued property types whose page-object value may be truncated. */
const COMPLETABLE = new Set(['relation', 'people']);

/** Notion computes page properties with at most 25 references. */
const REFERENCE_CAP = 25;

/**
 * Relations say so (has_more). People do not: Notion documents no has_more for them, the list just
 * stops at 25 ("can't be guaranteed to return more than 25 people"), so 25 or more may be partial.
 */
function mayBeTruncated(property: NotionPropertyValue): boolean {
  if (property.has_more === true) return true;
  const items = (property as Record<string, unknown>)[property.type];
  return property.type === 'people' && Array.isArray(items) && items.length >= REFERENCE_CAP;
}

export type RetrievePropertyPage = (args: GetPagePropertyParameters) => Promise<GetPagePropertyResponse>;

/** Completes every truncated relation/people property of `page` in place; returns the page. */
export async function completeTruncatedProperties(page: NotionPage, retrieve: RetrievePropertyPage): Promise<NotionPage> {
  // A malformed page (properties null, or a null value) is left for the reader to refuse, record by record.
  for (const [name, property] of Object.entries(page.properties ?? {})) {
    if (!property || !COMPLETABLE.has(property.type) || !mayBeTruncated(property)) continue;
    const items = await readAllPropertyItems(page.id, property, retrieve);
    page.properties[name] = { ...property, [property.type]: items, has_more: false };
  }
  return page;
}

async function readAllPropertyItems(pageId: string, property: NotionPropertyValue, retrieve: RetrievePropertyPage): Promise<unknown[]> {
  const type = property.type;
  const items: unknown[] = [];
  const seenIds = new Set<string>();
  const seenCursors = new Set<string>();
  let cursor: string | undefined;
  do {
    const response = await retrieve({ page_id: pageId, property_id: property.id, page_size: 100, ...(cursor ? { start_cursor: cursor } : {}) });
    if (response.object !== 'list') {
      throw new NotionSyncError({ kind: 'transient', retryable: false, message: `Notion returned a single ${response.type} item for the paginated ${type} property ${property.id} of page ${pageId}; expected a list` });
    }
    for (const item of response.results) {
      if (item.type !== type) continue;
      const value = (item as unknown as Record<string, { id: string }>)[type]!;
      if (seenIds.has(value.id)) continue; // pages may overlap at boundaries; keep first occurrence
      seenIds.add(value.id);
      items.push(value);
    }
    // Follow the cursor itself, not has_more alone; a repeated cursor would loop forever.
    cursor = response.next_cursor ?? undefined;
    if (cursor && seenCursors.has(cursor)) {
      throw new NotionSyncError({ kind: 'transient', retryable: false, message: `Notion repeated cursor ${cursor} while paginating property ${property.id} of page ${pageId}` });
    }
    if (cursor) seenCursors.add(cursor);
  } while (cursor);
  return items;
}

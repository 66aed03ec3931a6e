/**
 * Page objects (from query or retrieve) carry at most 25 references per relation (and people)
 * property; relations are flagged with has_more: true — a flag the SDK types do not even declare
 * (issue #443) — people are not flagged at all.
 * Read as is, a 60-target relation would sync as 25 and, written back, delete 35 links.
 * Rollups are computed over the first 25 related pages only, with no flag of their own.
 * These helpers replace such values with the full value from the paginated property-item endpoint.
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

/** Rollup results that can be partial; `unsupported` (board-group functions) has nothing to complete. */
const COMPLETABLE_ROLLUPS = new Set(['number', 'date', 'array']);

/** Property-item types whose values are lists in page objects (the endpoint sends one element per item). */
const LIST_ITEM_TYPES = new Set(['title', 'rich_text', 'people', 'relation']);

/**
 * Completes every truncated relation/people property of `page` in place, and its rollups when they
 * may have been computed over a truncated relation; returns the page. With `only`, just the
 * properties of those names (what the caller maps): a relation or rollup nobody reads costs nothing,
 * and a rollup named is completed even when its truncated relation is not named.
 */
export async function completeTruncatedProperties(page: NotionPage, retrieve: RetrievePropertyPage, only?: ReadonlySet<string>): Promise<NotionPage> {
  // A malformed page (properties null, or a null value) is left for the reader to refuse, record by record.
  const entries = Object.entries(page.properties ?? {});
  // A rollup value does not name its relation (only the schema does), but the relation is always a
  // property of the same page: when none says has_more, every rollup saw all its related pages and
  // costs no request. When one does, each rollup is completed (one request per 100 related pages),
  // a rollup over another, short relation too: the page object cannot tell them apart.
  const relationTruncated = entries.some(([, p]) => p?.type === 'relation' && p.has_more === true);
  for (const [name, property] of entries) {
    if (!property || (only && !only.has(name))) continue;
    if (COMPLETABLE.has(property.type) && mayBeTruncated(property)) {
      const items = await readAllPropertyItems(page.id, property, retrieve);
      page.properties[name] = { ...property, [property.type]: items, has_more: false };
    } else if (property.type === 'rollup' && relationTruncated && COMPLETABLE_ROLLUPS.has(property.rollup?.type)) {
      page.properties[name] = { ...property, rollup: await readFullRollup(page.id, property, retrieve) };
    }
  }
  return page;
}

type PropertyItemList = Extract<GetPagePropertyResponse, { object: 'list' }>;

/** Every page of a paginated property item, in order, following the cursor. */
async function readPropertyPages(pageId: string, property: NotionPropertyValue, retrieve: RetrievePropertyPage): Promise<PropertyItemList[]> {
  const pages: PropertyItemList[] = [];
  const seenCursors = new Set<string>();
  let cursor: string | undefined;
  do {
    const response = await retrieve({ page_id: pageId, property_id: property.id, page_size: 100, ...(cursor ? { start_cursor: cursor } : {}) });
    if (response.object !== 'list') {
      throw new NotionSyncError({ kind: 'transient', retryable: false, message: `Notion returned a single ${response.type} item for the paginated ${property.type} property ${property.id} of page ${pageId}; expected a list` });
    }
    pages.push(response);
    // Follow the cursor itself, not has_more alone; a repeated cursor would loop forever.
    cursor = response.next_cursor ?? undefined;
    if (cursor && seenCursors.has(cursor)) {
      throw new NotionSyncError({ kind: 'transient', retryable: false, message: `Notion repeated cursor ${cursor} while paginating property ${property.id} of page ${pageId}` });
    }
    if (cursor) seenCursors.add(cursor);
  } while (cursor);
  return pages;
}

async function readAllPropertyItems(pageId: string, property: NotionPropertyValue, retrieve: RetrievePropertyPage): Promise<unknown[]> {
  const type = property.type;
  const items: unknown[] = [];
  const seenIds = new Set<string>();
  for (const response of await readPropertyPages(pageId, property, retrieve)) {
    for (const item of response.results) {
      if (item.type !== type) continue;
      const value = (item as unknown as Record<string, { id: string }>)[type]!;
      if (seenIds.has(value.id)) continue; // pages may overlap at boundaries; keep first occurrence
      seenIds.add(value.id);
      items.push(value);
    }
  }
  return items;
}

/**
 * A rollup over all its related pages, in the page object's shape. Aggregates (number, date) are in
 * `property_item.rollup`, computed over the pages read so far: the last page's is final. Lists
 * (show_original, show_unique) are the items themselves, with list-valued kinds (title, people, …)
 * sent one element per item: each becomes a one-element value, which reads the same as a text[] column.
 */
async function readFullRollup(pageId: string, property: NotionPropertyValue, retrieve: RetrievePropertyPage): Promise<Record<string, unknown>> {
  const pages = await readPropertyPages(pageId, property, retrieve);
  const last = pages.at(-1)!.property_item as { type: string; rollup?: Record<string, unknown> };
  const final = last.type === 'rollup' && last.rollup ? last.rollup : null;
  if (!final || typeof final.type !== 'string') {
    throw new NotionSyncError({ kind: 'transient', retryable: false, message: `Notion returned no rollup result for property ${property.id} of page ${pageId}` });
  }
  if (final.type !== 'array') return final;
  const array = pages.flatMap((response) =>
    response.results.map((item) => {
      const value = (item as unknown as Record<string, unknown>)[item.type];
      return { type: item.type, [item.type]: LIST_ITEM_TYPES.has(item.type) ? [value] : value };
    }),
  );
  return { ...final, array };
}

/**
 * The Notion side of a two-way dataset: pages → canonical state, canonical values → page properties.
 */
import type { ResolvedDataset } from '../../config/index.ts';
import { buildValue, Extract } from '../../connectors/notion/index.ts';
import type { NotionPage } from '../../connectors/notion/types.ts';
import type { FieldDef } from '../../datasets/types.ts';
import { canonicalFromNotion, type CanonicalRecord, type RawNotionValue } from '../canonical.ts';
import { DELETED, type FieldChange, type NotionState } from '../planTwoWay.ts';
import { MalformedRecordError, readNotionFields } from '../readNotionFields.ts';

/** What the engine needs of a page besides its mapped fields; the page object itself is dropped. */
export type PageHeader = Pick<NotionPage, 'id' | 'in_trash' | 'archived' | 'last_edited_time'>;

export interface ReadNotionPage {
  page: PageHeader;
  raw: Record<string, RawNotionValue>;
  /** The Postgres row id the page says it belongs to (the `Supabase ID` property), if any. */
  rowId: string | null;
}

export function readNotionPage(ds: ResolvedDataset, page: NotionPage): ReadNotionPage {
  const raw = readNotionFields(ds.fields, page);
  let rowId: string | null = null;
  if (ds.rowIdProperty && page.properties[ds.rowIdProperty]) {
    rowId = Extract.rich_text(page as any, ds.rowIdProperty).trim() || null;
  }
  // Only the header is kept: a full run holds every page of the data source at once, and the
  // property JSON of 100,000 pages would be a few hundred MB the run never looks at again.
  return { page: { id: page.id, in_trash: page.in_trash, archived: page.archived, last_edited_time: page.last_edited_time }, raw, rowId };
}

/** Canonical state of a page; a relation to a page that is not in Postgres yet makes the record wait. */
export function notionState(ds: ResolvedDataset, read: ReadNotionPage, relationIds: (dataset: string) => Map<string, string>): NotionState {
  const { record, unresolved } = canonicalFromNotion(ds.fields, read.raw, relationIds);
  if (unresolved.length) {
    const u = unresolved[0]!;
    throw new MalformedRecordError(
      `page ${read.page.id}: ${u.field} links to ${u.pageIds.length} page(s) not synced to Postgres yet (${u.pageIds.slice(0, 3).join(', ')}); retried next run`,
    );
  }
  record[DELETED] = Boolean(read.page.in_trash || read.page.archived);
  return { pageId: read.page.id, record, editedAt: Date.parse(read.page.last_edited_time) };
}

/**
 * The read-only values of a page Notion answered a write of ours with (formulas over what we sent,
 * a new page's unique_id and created time, its last_edited_time and _by), so the row has them at
 * once instead of one run later. Left out, for the next read to bring: relations (their ids need
 * mapping; a copy of one we wrote is what we sent), rollups and people when the answer may be cut at
 * 25 related pages or people, and anything the answer does not carry as expected.
 */
export function computedValues(ds: ResolvedDataset, page: NotionPage): CanonicalRecord {
  const cut = Object.values(page.properties ?? {}).some((p) => p?.type === 'relation' && (p as { has_more?: boolean }).has_more === true);
  const fields = ds.fields.filter((f) => {
    if (!f.readOnly || f.kind === 'relation') return false;
    if (f.kind === 'rollup') return !cut;
    if (f.kind === 'people') return ((page.properties?.[f.property] as { people?: unknown[] } | undefined)?.people?.length ?? 25) < 25;
    return true;
  });
  const out: CanonicalRecord = {};
  for (const f of fields) {
    try {
      Object.assign(out, canonicalFromNotion([f], readNotionFields([f], page), () => new Map()).record);
    } catch {
      // Not as expected (drift, a result that no longer fits): the next read reports it properly.
    }
  }
  return out;
}

/**
 * Page properties for the given changes (or every field, for a create). Relation values are
 * Postgres ids mapped to page ids; one that has no page yet fails the record (retried next run)
 * rather than writing a shortened list.
 */
export function notionProperties(
  ds: ResolvedDataset,
  final: CanonicalRecord,
  changes: FieldChange[] | 'all',
  pageIdOf: (dataset: string, recordId: string) => string | undefined,
): Record<string, unknown> {
  const changed = changes === 'all' ? null : new Set(changes.map((c) => c.field));
  const props: Record<string, unknown> = {};
  for (const f of ds.fields) {
    if (f.readOnly) continue; // Notion → Postgres only (computed by Notion, a copy, …)
    if (changed && !changed.has(f.field) && !(f.endColumn && changed.has(f.endColumn))) continue;
    props[f.property] = buildValue(f.kind as any, toNotionValue(f, final, pageIdOf), f.property);
  }
  return props;
}

function toNotionValue(f: FieldDef, final: CanonicalRecord, pageIdOf: (dataset: string, recordId: string) => string | undefined): unknown {
  const v = final[f.field] ?? null;
  if (f.configured && f.kind === 'relation' && !f.relation) return Array.isArray(v) ? v : []; // page ids of a database not synced
  if (f.configured && f.kind === 'date') return v === null ? null : { start: String(v) }; // the start: a day, or an instant
  switch (f.kind) {
    case 'relation': {
      const ids = Array.isArray(v) ? v : v ? [String(v)] : [];
      return ids.map((id) => {
        const pageId = pageIdOf(f.relation!.dataset, id);
        if (!pageId) throw new MalformedRecordError(`${f.field} links to ${f.relation!.dataset} row ${id}, which has no Notion page yet; retried next run`);
        return pageId;
      });
    }
    case 'date':
      return v === null ? null : { start: String(v), end: f.endColumn ? ((final[f.endColumn] as string | null) ?? null) : null, time_zone: null };
    case 'checkbox':
      return Boolean(v);
    case 'multi_select':
      return Array.isArray(v) ? v : [];
    case 'title':
    case 'rich_text':
      return v ?? '';
    default:
      return v;
  }
}

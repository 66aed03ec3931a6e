/**
 * Rebuilding lost links, pure: which rows whose `notion_page_id` went missing (an app or a person
 * cleared it) get their page back, and from which source. Sources are tried in order of trust —
 * the ledger (`sync_links`), the page's row-id property (`Supabase ID`), then the dataset's natural
 * keys (contacts: email, then phone) — each only on what the previous ones left unlinked. A link
 * that more than one row or page could claim is never guessed: it is reported, and the records
 * involved are held back from this run's creates, which would otherwise duplicate them.
 */
import { identityKey, type IdentityKind } from '../matchIdentity.ts';

export type RelinkSource = 'sync_links' | 'row_id' | 'email' | 'phone';

export interface RelinkRow {
  id: string;
  notionPageId: string | null;
  deleted: boolean;
  /** Natural-key values (a string or an array of them); only read when the dataset has natural keys. */
  emails?: unknown;
  phones?: unknown;
}

export interface RelinkPage {
  pageId: string;
  /** The row id the page's row-id property names, if any. */
  rowId: string | null;
  trashed?: boolean;
  emails?: unknown;
  phones?: unknown;
}

export interface RelinkInput {
  /** The rows at hand, linked or not (the linked ones say which pages are taken). */
  rows: RelinkRow[];
  /** The page sync_links records for a row, for the unlinked rows that have one. */
  ledgerPages: Map<string, string>;
  /** Pages held by rows that are not in `rows` (page id → row id): taken as well. */
  takenElsewhere?: Map<string, string>;
  /** The pages read (a full run: all of them). */
  pages: RelinkPage[];
  /** Match by email, then phone (datasets with natural keys). */
  naturalKeys: boolean;
}

export interface Relink {
  recordId: string;
  pageId: string;
  source: RelinkSource;
}

export interface RelinkAmbiguity {
  /** One line a user can act on: what claims what, and why nothing was chosen. */
  reason: string;
  recordIds: string[];
  pageIds: string[];
}

export interface RelinkPlan {
  restores: Relink[];
  ambiguities: RelinkAmbiguity[];
  /** Rows and pages in an ambiguity: nothing may be created for them until the user decides. */
  heldRecordIds: Set<string>;
  heldPageIds: Set<string>;
}

export function planRelink(input: RelinkInput): RelinkPlan {
  const plan: RelinkPlan = { restores: [], ambiguities: [], heldRecordIds: new Set(), heldPageIds: new Set() };
  const taken = new Map<string, string>(input.takenElsewhere ?? []);
  for (const r of input.rows) if (r.notionPageId) taken.set(r.notionPageId, r.id);
  const unlinked = input.rows.filter((r) => !r.notionPageId);
  const done = new Set<string>();
  const hold = (reason: string, recordIds: string[], pageIds: string[]) => {
    plan.ambiguities.push({ reason, recordIds, pageIds });
    recordIds.forEach((id) => plan.heldRecordIds.add(id));
    pageIds.forEach((id) => plan.heldPageIds.add(id));
  };
  const restore = (recordId: string, pageId: string, source: RelinkSource) => {
    plan.restores.push({ recordId, pageId, source });
    taken.set(pageId, recordId);
    done.add(recordId);
  };
  const open = (r: RelinkRow) => !done.has(r.id) && !plan.heldRecordIds.has(r.id);
  const free = (p: RelinkPage) => !taken.has(p.pageId) && !plan.heldPageIds.has(p.pageId);

  // 1. The ledger: the pair it recorded, unless another row holds that page now.
  const byLedgerPage = groupBy(unlinked.filter((r) => input.ledgerPages.has(r.id)), (r) => input.ledgerPages.get(r.id)!);
  for (const [pageId, rows] of byLedgerPage) {
    const ids = rows.map((r) => r.id);
    const holder = taken.get(pageId);
    if (holder) hold(`sync_links pairs row ${ids.join(', ')} with page ${pageId}, which row ${holder} now holds: set notion_page_id on the right row`, ids, []);
    else if (ids.length > 1) hold(`rows ${ids.join(', ')} all claim page ${pageId} in sync_links: set notion_page_id on the right one`, ids, [pageId]);
    else restore(ids[0]!, pageId, 'sync_links');
  }

  // 2. The page's row-id property: a page naming an unlinked row, and no other page naming it too.
  const pagesByRowId = groupBy(input.pages.filter((p) => p.rowId && free(p)), (p) => p.rowId!);
  for (const r of unlinked) {
    if (!open(r)) continue;
    const pages = (pagesByRowId.get(r.id) ?? []).filter(free);
    if (pages.length === 1) restore(r.id, pages[0]!.pageId, 'row_id');
    else if (pages.length > 1) hold(`pages ${pages.map((p) => p.pageId).join(', ')} all name row ${r.id} in their row-id property: trash the copies or set notion_page_id`, [r.id], pages.map((p) => p.pageId));
  }

  // 3. Natural keys: a free page and an unlinked live row that share an email (else a phone), one to one.
  if (!input.naturalKeys) return plan;
  const candidates = unlinked.filter((r) => open(r) && !r.deleted);
  const index = { email: keyIndex(candidates, 'email'), phone: keyIndex(candidates, 'phone') };
  const claims = new Map<string, Array<{ pageId: string; kind: IdentityKind }>>();
  for (const p of input.pages) {
    if (!free(p) || p.trashed) continue;
    for (const kind of ['email', 'phone'] as const) {
      const rowIds = new Set(values(kind === 'email' ? p.emails : p.phones).flatMap((v) => [...(index[kind].get(identityKey(kind, v) ?? '') ?? [])]));
      if (rowIds.size > 1) {
        hold(`page ${p.pageId} has the ${kind} of rows ${[...rowIds].join(', ')}: set notion_page_id on the right one`, [...rowIds], [p.pageId]);
        break;
      }
      if (rowIds.size === 1) {
        const rowId = [...rowIds][0]!;
        claims.set(rowId, [...(claims.get(rowId) ?? []), { pageId: p.pageId, kind }]);
        break;
      }
    }
  }
  for (const [rowId, pages] of claims) {
    const live = pages.filter((p) => !plan.heldPageIds.has(p.pageId));
    if (!live.length) continue;
    if (plan.heldRecordIds.has(rowId)) hold(`page ${live.map((p) => p.pageId).join(', ')} has the ${live[0]!.kind} of row ${rowId}, which is in question above`, [rowId], live.map((p) => p.pageId));
    else if (live.length > 1) hold(`pages ${live.map((p) => p.pageId).join(', ')} all have the ${live[0]!.kind} of row ${rowId}: set notion_page_id on the right one`, [rowId], live.map((p) => p.pageId));
    else restore(rowId, live[0]!.pageId, live[0]!.kind);
  }
  return plan;
}

function keyIndex(rows: RelinkRow[], kind: IdentityKind): Map<string, Set<string>> {
  const index = new Map<string, Set<string>>();
  for (const r of rows) {
    for (const v of values(kind === 'email' ? r.emails : r.phones)) {
      const key = identityKey(kind, v);
      if (!key) continue;
      if (!index.has(key)) index.set(key, new Set());
      index.get(key)!.add(r.id);
    }
  }
  return index;
}

function values(v: unknown): unknown[] {
  return Array.isArray(v) ? v : v === null || v === undefined ? [] : [v];
}

function groupBy<T>(items: T[], key: (t: T) => string): Map<string, T[]> {
  const out = new Map<string, T[]>();
  for (const item of items) out.set(key(item), [...(out.get(key(item)) ?? []), item]);
  return out;
}

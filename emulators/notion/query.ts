/**
 * Data-source queries: filter + sorts → an ordered result list, cached per (data source version,
 * query fingerprint) so paging through 100k rows costs one evaluation, not one per page. Cursors are
 * opaque (base64url of fingerprint, offset and the next row's id) and survive concurrent writes.
 */
import { createHash } from 'node:crypto';
import { bodyInvalid, validation } from './errors.ts';
import { compileFilter, dateMs, type FilterContext } from './filters.ts';
import { textOf, valueOf, type ReadOptions } from './property-read.ts';
import { plainText } from './rich-text.ts';
import type { PropertySchema } from './schema.ts';
import type { QueryOverride } from './types.ts';
import type { DataSourceRecord, PageRecord } from './records.ts';
import type { Workspace } from './workspace.ts';

export const MAX_PAGE_SIZE = 100;

export interface QueryBody {
  filter?: unknown;
  sorts?: unknown;
  start_cursor?: unknown;
  page_size?: unknown;
  /** true → only trashed rows (UNCERTAIN, mirrors search's in_trash filter); default: only live rows. */
  in_trash?: unknown;
}

export interface QueryPage<T = PageRecord> {
  rows: T[];
  nextCursor: string | null;
  hasMore: boolean;
  /** The per-query result cap cut this query short (reported on its last page). */
  incomplete: boolean;
}

type SortKey = (p: PageRecord) => number | string | null;
interface CompiledSort {
  key: SortKey;
  dir: 1 | -1;
}

const isObject = (v: unknown): v is Record<string, any> => typeof v === 'object' && v !== null && !Array.isArray(v);

export function parsePageSize(v: unknown, path: string): number {
  if (v === undefined || v === null) return MAX_PAGE_SIZE;
  if (typeof v !== 'number' || !Number.isInteger(v)) throw bodyInvalid(path, 'an integer', v);
  if (v > MAX_PAGE_SIZE) throw bodyInvalid(path, `≤ \`${MAX_PAGE_SIZE}\``, v);
  if (v < 1) throw bodyInvalid(path, '≥ `1`', v);
  return v;
}

export class QueryEngine {
  private readonly cache = new Map<string, { version: number; rows: PageRecord[] }>();
  private static readonly CACHE_SIZE = 16;

  constructor(
    private readonly ws: Workspace,
    private readonly env: { cap: () => number; now: () => number; me: () => string },
  ) {}

  run(ds: DataSourceRecord, body: QueryBody, override: QueryOverride | undefined): QueryPage {
    const pageSize = parsePageSize(body.page_size, 'body.page_size');
    if (body.in_trash !== undefined && typeof body.in_trash !== 'boolean') throw bodyInvalid('body.in_trash', 'a boolean', body.in_trash);
    const trashed = body.in_trash === true;
    const fingerprint = fingerprintOf([ds.id, body.filter ?? null, body.sorts ?? null, trashed]);
    let rows = this.results(ds, body, trashed, fingerprint);
    if (override === 'empty') rows = [];
    else if (override && typeof override === 'object') rows = rows.slice(0, override.truncateTo);

    return paginate(rows, body.start_cursor, fingerprint, pageSize, this.env.cap());
  }

  private results(ds: DataSourceRecord, body: QueryBody, trashed: boolean, fingerprint: string): PageRecord[] {
    const key = `${ds.id}:${fingerprint}`;
    const hit = this.cache.get(key);
    if (hit && hit.version === ds.version) return hit.rows;
    const ctx: FilterContext = { ws: this.ws, ds, now: this.env.now(), me: this.env.me() };
    const pred = compileFilter(body.filter, ctx);
    const sorts = this.compileSorts(ds, body.sorts);
    const keep = (p: PageRecord) => p.inTrash === trashed && pred(p);
    let rows: PageRecord[];
    const byCreated = sorts.length === 0 ? -1 : sorts.length === 1 && sorts[0].key === CREATED ? sorts[0].dir : 0;
    if (byCreated !== 0) {
      // Created-time order needs no sort: the workspace keeps pages by (created_time, seq).
      const ordered = this.ws.pagesByCreated(ds);
      rows = [];
      if (byCreated === 1) {
        for (const p of ordered) if (keep(p)) rows.push(p);
      } else {
        for (let i = ordered.length - 1; i >= 0; i--) if (keep(ordered[i])) rows.push(ordered[i]);
      }
    } else {
      rows = ds.pages.filter(keep);
      sortRows(rows, sorts);
    }
    this.cache.delete(key);
    this.cache.set(key, { version: ds.version, rows });
    if (this.cache.size > QueryEngine.CACHE_SIZE) this.cache.delete(this.cache.keys().next().value!);
    return rows;
  }

  /**
   * UNCERTAIN: Notion's default order is undocumented; without sorts we return newest created first
   * (ties: latest created first), which is stable across pages.
   */
  private compileSorts(ds: DataSourceRecord, sorts: unknown): CompiledSort[] {
    if (sorts === undefined || sorts === null) return [];
    if (!Array.isArray(sorts)) throw bodyInvalid('body.sorts', 'an array', sorts);
    const readOpts: ReadOptions = { truncate: true, now: this.env.now() };
    return sorts.map((s, i): CompiledSort => {
      const path = `body.sorts[${i}]`;
      if (!isObject(s)) throw bodyInvalid(path, 'an object', s);
      if (s.direction !== 'ascending' && s.direction !== 'descending') {
        throw bodyInvalid(`${path}.direction`, '`ascending` or `descending`', s.direction);
      }
      const dir = s.direction === 'ascending' ? 1 : -1;
      if (s.timestamp !== undefined) {
        if (s.timestamp === 'created_time') return { key: CREATED, dir };
        if (s.timestamp === 'last_edited_time') return { key: (p) => p.lastEditedTime, dir };
        throw bodyInvalid(`${path}.timestamp`, '`created_time` or `last_edited_time`', s.timestamp);
      }
      if (typeof s.property !== 'string') throw bodyInvalid(path, 'an object with `property` or `timestamp`', s);
      const prop = this.ws.findProperty(ds, s.property);
      if (!prop) throw validation(`Could not find sort property with name or id: ${s.property}`);
      return { key: sortKey(this.ws, ds, prop, readOpts), dir };
    });
  }

}

const CREATED: SortKey = (p) => p.createdTime;

/** Sort keys per type; null means empty (always sorted last). Selects sort by option order, like Notion. */
function sortKey(ws: Workspace, ds: DataSourceRecord, prop: PropertySchema, opts: ReadOptions): SortKey {
  const stored = (p: PageRecord) => p.values[prop.id];
  switch (prop.type) {
    case 'title':
    case 'rich_text':
      return (p) => plainText(stored(p)).toLowerCase() || null;
    case 'url':
    case 'email':
    case 'phone_number':
      return (p) => (stored(p) ? String(stored(p)).toLowerCase() : null);
    case 'number':
    case 'unique_id':
      return (p) => stored(p) ?? null;
    case 'checkbox':
      return (p) => (stored(p) ? 1 : 0);
    case 'select':
    case 'status': {
      const rank = new Map(prop.options!.map((o, i) => [o.id, i]));
      return (p) => rank.get(stored(p)) ?? null;
    }
    case 'date':
      return (p) => dateMs(stored(p));
    case 'created_time':
      return CREATED;
    case 'last_edited_time':
      return (p) => p.lastEditedTime;
    case 'created_by':
      return (p) => p.createdBy;
    case 'last_edited_by':
      return (p) => p.lastEditedBy;
    case 'formula':
    case 'rollup':
      return (p) => {
        const v = valueOf(ws, ds, p, prop, opts);
        if (v.type === 'number') return v.number ?? null;
        if (v.type === 'date') return dateMs(v.date);
        if (v.type === 'boolean') return v.boolean ? 1 : 0;
        if (v.type === 'string') return v.string ? v.string.toLowerCase() : null;
        return null;
      };
    default:
      return (p) => textOf(prop, valueOf(ws, ds, p, prop, opts)).toLowerCase() || null;
  }
}

/** Precomputes keys once per row (Schwartzian transform); the final tie-break is creation order. */
function sortRows(rows: PageRecord[], sorts: CompiledSort[]): void {
  const effective = sorts.length > 0 ? sorts : [{ key: CREATED, dir: -1 as const }];
  const tieDir = effective[0].dir;
  const keyed = rows.map((p) => ({ p, k: effective.map((s) => s.key(p)) }));
  keyed.sort((a, b) => {
    for (let i = 0; i < effective.length; i++) {
      const x = a.k[i];
      const y = b.k[i];
      if (x === y) continue;
      if (x === null) return 1;
      if (y === null) return -1;
      return (x < y ? -1 : 1) * effective[i].dir;
    }
    return (a.p.seq - b.p.seq) * tieDir;
  });
  for (let i = 0; i < rows.length; i++) rows[i] = keyed[i].p;
}

/**
 * One page of an ordered result list. At most `cap` rows are reachable per query; the page that hits
 * the cap says so (`incomplete`). Cursors are opaque: base64url of the query fingerprint, the offset
 * and the next row's id.
 */
export function paginate<T extends { id: string }>(
  rows: T[],
  startCursor: unknown,
  fingerprint: string,
  pageSize: number,
  cap: number,
): QueryPage<T> {
  const limit = Math.min(rows.length, cap);
  const start = resolveCursor(startCursor, fingerprint, rows);
  const end = Math.max(start, Math.min(start + pageSize, limit));
  const hasMore = end < limit;
  return {
    rows: rows.slice(start, end),
    nextCursor: hasMore ? encodeCursor(fingerprint, end, rows[end].id) : null,
    hasMore,
    incomplete: !hasMore && rows.length > cap,
  };
}

function resolveCursor(raw: unknown, fingerprint: string, rows: Array<{ id: string }>): number {
  if (raw === undefined || raw === null) return 0;
  const c = typeof raw === 'string' ? decodeCursor(raw) : null;
  if (!c || c.f !== fingerprint) throw validation(`The start_cursor provided is invalid: ${String(raw)}`);
  if (rows[c.o]?.id === c.id) return c.o;
  // Rows moved (writes between pages): continue at the row the cursor pointed to, if still there.
  const at = rows.findIndex((p) => p.id === c.id);
  return at >= 0 ? at : Math.min(c.o, rows.length);
}

export function fingerprintOf(parts: unknown): string {
  return createHash('sha1').update(JSON.stringify(parts)).digest('base64url').slice(0, 16);
}

function encodeCursor(fingerprint: string, offset: number, nextId: string): string {
  return Buffer.from(JSON.stringify({ f: fingerprint, o: offset, id: nextId })).toString('base64url');
}

function decodeCursor(raw: string): { f: string; o: number; id: string } | null {
  try {
    const c = JSON.parse(Buffer.from(raw, 'base64url').toString());
    return typeof c.f === 'string' && Number.isInteger(c.o) && c.o >= 0 && typeof c.id === 'string' ? c : null;
  } catch {
    return null;
  }
}

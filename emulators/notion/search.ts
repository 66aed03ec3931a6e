/**
 * POST /v1/search: pages and data sources (legacy versions: databases) whose title contains the
 * query (case-insensitive). Trashed objects are excluded unless `filter.in_trash` is true, which
 * returns only trashed ones, never mixed. UNCERTAIN: Notion's default order is "relevance"; we use
 * last_edited_time descending (then newest created), which is what its sort option offers.
 */
import { bodyInvalid } from './errors.ts';
import { fingerprintOf, paginate, parsePageSize, type QueryPage } from './query.ts';
import type { ApiVersion } from './render.ts';
import { plainText } from './rich-text.ts';
import type { DataSourceRecord, PageRecord } from './records.ts';
import type { Workspace } from './workspace.ts';

export type SearchHit = { kind: 'page'; id: string; record: PageRecord } | { kind: 'data_source'; id: string; record: DataSourceRecord };

const isObject = (v: unknown): v is Record<string, any> => typeof v === 'object' && v !== null && !Array.isArray(v);

export class SearchEngine {
  private cached: { version: number; fingerprint: string; hits: SearchHit[] } | null = null;

  constructor(private readonly ws: Workspace) {}

  run(body: Record<string, any>, v: ApiVersion): QueryPage<SearchHit> {
    const pageSize = parsePageSize(body.page_size, 'body.page_size');
    const query = body.query === undefined || body.query === null ? '' : body.query;
    if (typeof query !== 'string') throw bodyInvalid('body.query', 'a string', query);
    const filter = body.filter ?? {};
    if (!isObject(filter)) throw bodyInvalid('body.filter', 'an object', filter);
    const containerName = v.dataSources ? 'data_source' : 'database';
    if (filter.value !== undefined && filter.value !== 'page' && filter.value !== containerName) {
      throw bodyInvalid('body.filter.value', `\`page\` or \`${containerName}\``, filter.value);
    }
    if (filter.in_trash !== undefined && typeof filter.in_trash !== 'boolean') throw bodyInvalid('body.filter.in_trash', 'a boolean', filter.in_trash);
    const sort = body.sort ?? { timestamp: 'last_edited_time', direction: 'descending' };
    if (!isObject(sort)) throw bodyInvalid('body.sort', 'an object', sort);
    const dir = sort.direction === 'ascending' ? 1 : -1;

    const fingerprint = fingerprintOf(['search', v.dataSources, query, filter, sort]);
    let hits: SearchHit[];
    if (this.cached && this.cached.version === this.ws.version && this.cached.fingerprint === fingerprint) {
      hits = this.cached.hits;
    } else {
      hits = this.collect(query.toLowerCase(), filter.value, filter.in_trash === true);
      const edited = (h: SearchHit) => h.record.lastEditedTime;
      const created = (h: SearchHit) => h.record.createdTime;
      hits.sort((a, b) => (edited(a) - edited(b)) * dir || (created(b) - created(a)) || (a.id < b.id ? -1 : 1));
      this.cached = { version: this.ws.version, fingerprint, hits };
    }
    return paginate(hits, body.start_cursor, fingerprint, pageSize, Number.POSITIVE_INFINITY);
  }

  private collect(query: string, only: string | undefined, trashed: boolean): SearchHit[] {
    const hits: SearchHit[] = [];
    const matches = (title: string) => query === '' || title.toLowerCase().includes(query);
    if (only !== 'page') {
      for (const ds of this.ws.dataSources.values()) {
        if (ds.inTrash === trashed && matches(plainText(ds.title))) hits.push({ kind: 'data_source', id: ds.id, record: ds });
      }
    }
    if (only === undefined || only === 'page') {
      for (const page of this.ws.pages.values()) {
        if (page.inTrash !== trashed) continue;
        const ds = this.ws.dataSources.get(page.dataSourceId)!;
        const title = query === '' ? '' : plainText(page.values[this.ws.titleProperty(ds).id]);
        if (matches(title)) hits.push({ kind: 'page', id: page.id, record: page });
      }
    }
    return hits;
  }
}

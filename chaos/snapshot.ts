/**
 * What each side holds right now, read through the emulators' control APIs and plain SQL — never
 * through the engine. Objects are recognised by the logical key their title starts with.
 */
import type { GoogleEmulator } from '../emulators/google/index.ts';
import type { NotionEmulator } from '../emulators/notion/index.ts';
import type { Sql } from '../src/store/types.ts';
import { DATASETS, FIELDS, keyOf, plain, TABLE, TITLE_PROPERTY, type DatasetName, type Refs, type Side, type Values } from './fields.ts';

export interface SideObject {
  side: Side;
  dataset: DatasetName;
  /** The logical key from the title; null when the title carries none (an object nobody made). */
  key: string | null;
  id: string;
  deleted: boolean;
  values: Values;
  title: string | null;
}

export interface World {
  notion: NotionEmulator;
  /** Null when the campaign runs without Google (two-way only). */
  google: GoogleEmulator | null;
  dataSources: Record<DatasetName, string>;
}

export class Snapshot implements Refs {
  private readonly index = new Map<string, SideObject[]>();
  constructor(readonly objects: SideObject[]) {
    for (const o of objects) {
      const k = `${o.dataset}|${o.side}|${o.key}`;
      const list = this.index.get(k) ?? [];
      list.push(o);
      this.index.set(k, list);
    }
  }
  get(dataset: DatasetName, side: Side, key: string): SideObject[] {
    return this.index.get(`${dataset}|${side}|${key}`) ?? [];
  }
  /** The one object of `key` on `side`, when there is exactly one. */
  one(dataset: DatasetName, side: Side, key: string): SideObject | undefined {
    const list = this.get(dataset, side, key);
    return list.length === 1 ? list[0] : undefined;
  }
  unkeyed(): SideObject[] {
    return this.objects.filter((o) => o.key === null);
  }
  contactPageId(key: string) {
    return this.one('contacts', 'notion', key)?.id;
  }
  contactRowId(key: string) {
    return this.one('contacts', 'postgres', key)?.id;
  }
  contactKeyOfPage(pageId: string) {
    return this.objects.find((o) => o.dataset === 'contacts' && o.side === 'notion' && o.id === pageId)?.key ?? undefined;
  }
  contactKeyOfRow(rowId: string) {
    return this.objects.find((o) => o.dataset === 'contacts' && o.side === 'postgres' && o.id === rowId)?.key ?? undefined;
  }
}

const SELECT: Record<DatasetName, string> = {
  contacts: 'SELECT id::text AS id, name, emails, phones, company, notes, tags, deleted_at FROM contacts',
  meetings: 'SELECT id::text AS id, title, date, end_date, summary, type, contact_ids::text[] AS contact_ids, deleted_at FROM meetings',
  journals: 'SELECT id::text AS id, title, date, content, tags, deleted_at FROM journals',
};

/** Reads all three sides (relations are resolved in a second pass, once every contact's ids are known). */
export async function observe(world: World, sql: Sql, datasets: DatasetName[] = DATASETS): Promise<Snapshot> {
  type Raw = { o: SideObject; read: (refs: Refs) => Values };
  const raws: Raw[] = [];
  for (const ds of datasets) {
    for (const page of world.notion.listPages(world.dataSources[ds], { includeTrashed: true })) {
      const title = plain(page.properties[TITLE_PROPERTY[ds]]);
      raws.push({
        o: { side: 'notion', dataset: ds, key: keyOf(title), id: page.id, deleted: page.in_trash, values: {}, title },
        read: (refs) => Object.fromEntries(FIELDS[ds].map((f) => [f.field, f.fromNotion(page, refs)])),
      });
    }
    const { rows } = await sql.query(SELECT[ds]);
    for (const row of rows) {
      const title = (ds === 'contacts' ? row.name : row.title) ?? null;
      raws.push({
        o: { side: 'postgres', dataset: ds, key: keyOf(title), id: String(row.id), deleted: row.deleted_at !== null, values: {}, title },
        read: (refs) => Object.fromEntries(FIELDS[ds].map((f) => [f.field, f.fromPostgres(row, refs)])),
      });
    }
  }
  if (world.google && datasets.includes('contacts')) {
    for (const person of world.google.people.listPeople()) {
      const title = person.names?.[0]?.displayName ?? null;
      raws.push({
        o: { side: 'google', dataset: 'contacts', key: keyOf(title), id: person.resourceName!, deleted: false, values: {}, title },
        read: () => Object.fromEntries(FIELDS.contacts.filter((f) => f.google).map((f) => [f.field, f.fromGoogle!(person)])),
      });
    }
  }
  const snap = new Snapshot(raws.map((r) => r.o));
  for (const r of raws) r.o.values = r.read(snap);
  return snap;
}

/** Table and column names are fixed by the dataset presets; values always go as parameters. */
export { TABLE };

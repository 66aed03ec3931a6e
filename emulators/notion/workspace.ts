/**
 * The emulated workspace: databases, data sources (schemas) and pages, indexed by id. All mutations
 * go through here so versions (query-cache keys), timestamps and two-way relations stay consistent.
 */
import type { Clock } from '../../src/lib/clock.ts';
import { bodyInvalid, notFound, validation } from './errors.ts';
import { IdGenerator, normalizeId, samePropertyId } from './ids.ts';
import { convertWrite, type WriteContext } from './property-write.ts';
import {
  truncateToMinute, type DatabaseInput, type DatabaseRecord, type DataSourceRecord, type PageFlags, type PageRecord,
} from './records.ts';
import { textItems, type RichTextItem } from './rich-text.ts';
import { addProperties, updateSchema } from './schema-changes.ts';
import type { PropertySchema, SelectOption } from './schema.ts';

/**
 * The emulated workspace's identity, shared by the bot user (GET /v1/users/me) and webhook payloads.
 * 5 MiB is Notion's file-upload limit on the Free plan (paid plans: 5 GiB).
 */
export const WORKSPACE = {
  id: 'a0a0a0a0-0000-4000-8000-0000000e0a11',
  name: 'Emulated workspace',
  maxFileUploadBytes: 5 * 1024 * 1024,
} as const;

/** Computed kinds hold no stored value worth carrying (unique_id numbers restart in the target). */
const COMPUTED_KINDS = new Set(['formula', 'rollup', 'created_time', 'created_by', 'last_edited_time', 'last_edited_by', 'unique_id', 'button']);

const isObject = (v: unknown): v is Record<string, any> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** A change to a page, as Notion's webhooks report it (see webhooks.ts). */
export interface PageEvent {
  type: 'page.created' | 'page.properties_updated' | 'page.content_updated' | 'page.moved' | 'page.deleted' | 'page.undeleted' | 'page.locked' | 'page.unlocked';
  page: PageRecord;
  actor: string;
  /** page.properties_updated: ids of the properties written. */
  updatedProperties?: string[];
  /** page.content_updated: the blocks edited. */
  updatedBlocks?: string[];
}

/** A schema change of a data source (data_source.schema_updated). */
export interface SchemaEvent {
  type: 'data_source.schema_updated';
  dataSource: DataSourceRecord;
  actor: string;
  updatedProperties: Array<{ id: string; name: string | null; action: 'created' | 'updated' | 'deleted' }>;
}

export class Workspace {
  readonly databases = new Map<string, DatabaseRecord>();
  readonly dataSources = new Map<string, DataSourceRecord>();
  readonly pages = new Map<string, PageRecord>();
  /** Display names of known users (formulas read people as names); unknown ids read as the id. */
  readonly userNames = new Map<string, string>();
  /** Bumped by any change anywhere (search results cache on it). */
  version = 0;
  private seq = 0;
  /** Told of every page change (created, properties written, trashed, restored, locked); seeds' quiet writes excepted. */
  onPageEvent: ((e: PageEvent) => void) | null = null;
  /** Told of every schema edit through the API or the control methods (not of seeds). */
  onSchemaEvent: ((e: SchemaEvent) => void) | null = null;

  constructor(
    readonly clock: Clock,
    readonly ids: IdGenerator,
  ) {}

  now(): number {
    return truncateToMinute(this.clock.now());
  }

  // ---- lookups -------------------------------------------------------------------------------

  page(rawId: string): PageRecord {
    const id = normalizeId(rawId);
    const p = id ? this.pages.get(id) : undefined;
    if (!p) throw notFound('page', id ?? rawId);
    return p;
  }

  dataSource(rawId: string): DataSourceRecord {
    const id = normalizeId(rawId);
    const ds = id ? this.dataSources.get(id) : undefined;
    if (!ds) throw notFound('data_source', id ?? rawId);
    return ds;
  }

  database(rawId: string): DatabaseRecord {
    const id = normalizeId(rawId);
    const db = id ? this.databases.get(id) : undefined;
    if (!db) throw notFound('database', id ?? rawId);
    return db;
  }

  /** A property by name, else by id (ids may arrive URL-encoded or decoded). */
  findProperty(ds: DataSourceRecord, key: string): PropertySchema | undefined {
    const byName = ds.propByName.get(key);
    if (byName) return byName;
    const byId = ds.propById.get(key);
    if (byId) return byId;
    return ds.props.find((p) => samePropertyId(p.id, key));
  }

  titleProperty(ds: DataSourceRecord): PropertySchema {
    return ds.props.find((p) => p.type === 'title')!;
  }

  /** Pages of a data source ordered by (created_time, seq), maintained lazily. */
  pagesByCreated(ds: DataSourceRecord): PageRecord[] {
    if (!ds.byCreated) {
      ds.byCreated = [...ds.pages].sort((a, b) => a.createdTime - b.createdTime || a.seq - b.seq);
    }
    return ds.byCreated;
  }

  // ---- databases and schemas -------------------------------------------------------------------

  createDatabase(input: DatabaseInput, actor: string): { db: DatabaseRecord; ds: DataSourceRecord } {
    const dbId = input.id ? this.freshId(input.id) : this.ids.uuid();
    const now = this.now();
    const title = typeof input.title === 'string' ? textItems(input.title) : input.title;
    const db: DatabaseRecord = {
      id: dbId,
      title,
      description: input.description ?? [],
      dataSourceIds: [],
      parent: input.parent ?? { type: 'workspace', workspace: true },
      isInline: input.isInline ?? false,
      isLocked: false,
      inTrash: false,
      icon: input.icon ?? null,
      cover: input.cover ?? null,
      createdTime: now,
      lastEditedTime: now,
      createdBy: actor,
      lastEditedBy: actor,
    };
    this.databases.set(dbId, db);
    try {
      const ds = this.createDataSource(db, { id: input.dataSourceId, title, properties: input.properties }, actor);
      return { db, ds };
    } catch (e) {
      this.databases.delete(dbId);
      throw e;
    }
  }

  /** Adds a data source to a database (a second one makes older API versions fail on that database). */
  createDataSource(
    db: DatabaseRecord,
    input: { id?: string; title: RichTextItem[]; properties: Record<string, any> },
    actor: string,
  ): DataSourceRecord {
    const id = input.id ? this.freshId(input.id) : this.ids.uuid();
    const now = this.now();
    const ds: DataSourceRecord = {
      id,
      databaseId: db.id,
      title: input.title,
      description: [],
      props: [],
      propById: new Map(),
      propByName: new Map(),
      pages: [],
      byCreated: [],
      version: 0,
      createdTime: now,
      lastEditedTime: now,
      createdBy: actor,
      lastEditedBy: actor,
      inTrash: false,
      icon: null,
      uniqueCounters: new Map(),
    };
    this.dataSources.set(id, ds);
    db.dataSourceIds.push(id);
    try {
      addProperties(this, ds, input.properties ?? {}, 'body.properties', actor);
      // Every data source has exactly one title property; Notion's UI names it "Name".
      if (!ds.props.some((p) => p.type === 'title')) addProperties(this, ds, { Name: { title: {} } }, 'body.properties', actor);
    } catch (e) {
      this.dataSources.delete(id);
      db.dataSourceIds.pop();
      throw e;
    }
    return ds;
  }

  private freshId(raw: string): string {
    const id = normalizeId(raw);
    if (!id) throw bodyInvalid('id', 'a valid uuid', raw);
    if (this.databases.has(id) || this.dataSources.has(id) || this.pages.has(id)) throw validation(`An object with ID ${id} already exists.`);
    return id;
  }

  resolveDataSourceRef(ref: string): { dataSourceId: string; databaseId: string } | null {
    const id = normalizeId(ref);
    if (id && this.dataSources.has(id)) return { dataSourceId: id, databaseId: this.dataSources.get(id)!.databaseId };
    if (id && this.databases.has(id)) {
      const db = this.databases.get(id)!;
      return { dataSourceId: db.dataSourceIds[0], databaseId: db.id };
    }
    return null;
  }



  /** Records a schema/metadata change of a data source. */
  touchDataSource(ds: DataSourceRecord, actor: string): void {
    ds.version++;
    this.version++;
    ds.lastEditedTime = this.now();
    ds.lastEditedBy = actor;
  }

  /** PATCH-style schema edits (rename, delete, options, type change, additions), reported as one event. */
  editSchema(ds: DataSourceRecord, patch: Record<string, any>, actor: string): void {
    const before = new Map(ds.props.map((p) => [p.id, JSON.stringify(p)]));
    const names = new Map(ds.props.map((p) => [p.id, p.name]));
    updateSchema(this, ds, patch, actor);
    const changes: SchemaEvent['updatedProperties'] = [];
    for (const p of ds.props) {
      const was = before.get(p.id);
      if (was === undefined) changes.push({ id: p.id, name: p.name, action: 'created' });
      else if (was !== JSON.stringify(p)) changes.push({ id: p.id, name: p.name, action: 'updated' });
    }
    for (const [id, name] of names) if (!ds.propById.has(id)) changes.push({ id, name, action: 'deleted' });
    if (changes.length) this.onSchemaEvent?.({ type: 'data_source.schema_updated', dataSource: ds, actor, updatedProperties: changes });
  }

  // ---- pages ----------------------------------------------------------------------------------

  /**
   * A person edits the page's body (the emulator keeps no blocks, only the fact): last_edited_time
   * moves and page.content_updated is reported.
   */
  editContent(page: PageRecord, actor: string, blockIds: string[] = [this.ids.uuid()]): void {
    page.lastEditedTime = this.now();
    page.lastEditedBy = actor;
    this.dataSources.get(page.dataSourceId)!.version++;
    this.version++;
    this.emit({ type: 'page.content_updated', page, actor, updatedBlocks: blockIds });
  }

  /**
   * Moves a row to another data source: values of properties with the same name and type move with
   * it (the title always), the rest is dropped, as when a row is dragged between databases.
   */
  movePage(page: PageRecord, target: DataSourceRecord, actor: string): void {
    const from = this.dataSources.get(page.dataSourceId)!;
    if (from === target) return;
    const values: Record<string, any> = {};
    for (const p of from.props) {
      const q = p.type === 'title' ? this.titleProperty(target) : target.propByName.get(p.name);
      if (q && q.type === p.type && !COMPUTED_KINDS.has(p.type) && page.values[p.id] !== undefined && p.type !== 'relation') values[q.id] = page.values[p.id];
    }
    from.pages = from.pages.filter((p) => p !== page);
    from.byCreated = null;
    page.values = values;
    page.dataSourceId = target.id;
    target.pages.push(page);
    target.byCreated = null;
    page.lastEditedTime = this.now();
    page.lastEditedBy = actor;
    from.version++;
    target.version++;
    this.version++;
    this.emit({ type: 'page.moved', page, actor });
  }

  createPage(
    ds: DataSourceRecord,
    properties: Record<string, any> | undefined,
    actor: string,
    opts: { id?: string; createdTime?: number; lastEditedTime?: number; flags?: PageFlags } = {},
  ): PageRecord {
    const converted = this.convertAll(ds, properties ?? {});
    const now = this.now();
    const createdTime = opts.createdTime !== undefined ? truncateToMinute(opts.createdTime) : now;
    const page: PageRecord = {
      id: opts.id ? this.freshId(opts.id) : this.ids.uuid(),
      seq: this.seq++,
      dataSourceId: ds.id,
      createdTime,
      lastEditedTime: opts.lastEditedTime !== undefined ? truncateToMinute(opts.lastEditedTime) : createdTime,
      createdBy: actor,
      lastEditedBy: actor,
      inTrash: opts.flags?.inTrash ?? false,
      isLocked: opts.flags?.isLocked ?? false,
      isArchived: opts.flags?.isArchived ?? false,
      icon: opts.flags?.icon ?? null,
      cover: opts.flags?.cover ?? null,
      values: {},
    };
    for (const prop of ds.props) {
      if (prop.type === 'unique_id') {
        const n = (ds.uniqueCounters.get(prop.id) ?? 0) + 1;
        ds.uniqueCounters.set(prop.id, n);
        page.values[prop.id] = n;
      } else if (prop.type === 'status' && prop.groups?.[0]?.option_ids[0]) {
        // UNCERTAIN: a new row gets the first option of the To-do group, as in the Notion UI.
        page.values[prop.id] = prop.groups[0].option_ids[0];
      }
    }
    this.commitOptions(ds, converted.pendingOptions);
    this.pages.set(page.id, page);
    ds.pages.push(page);
    if (ds.byCreated) {
      const last = ds.byCreated[ds.byCreated.length - 1];
      if (!last || last.createdTime <= page.createdTime) ds.byCreated.push(page);
      else ds.byCreated = null;
    }
    this.applyValues(page, converted.values, actor);
    ds.version++;
    this.version++;
    this.emit({ type: 'page.created', page, actor });
    return page;
  }

  /** Property writes plus trash/lock flags; bumps last_edited_time/by when anything is written. */
  updatePage(page: PageRecord, properties: Record<string, any> | undefined, actor: string, flags: PageFlags = {}): PageRecord {
    const ds = this.dataSources.get(page.dataSourceId)!;
    const hasProps = properties !== undefined && Object.keys(properties).length > 0;
    // UNCERTAIN: Notion rejects edits of a trashed page (unless the same request restores it);
    // this is the wording it uses for archived blocks.
    if (hasProps && page.inTrash && flags.inTrash !== false) {
      throw validation("Can't edit block that is archived. You must unarchive the block before editing.");
    }
    const converted = this.convertAll(ds, properties ?? {});
    // Everything is valid from here on: apply.
    let touched = false;
    const events: PageEvent[] = [];
    if (flags.inTrash !== undefined && flags.inTrash !== page.inTrash) {
      page.inTrash = flags.inTrash;
      touched = true;
      events.push({ type: flags.inTrash ? 'page.deleted' : 'page.undeleted', page, actor });
    }
    this.commitOptions(ds, converted.pendingOptions);
    if (hasProps) {
      this.applyValues(page, converted.values, actor);
      touched = true;
      events.push({ type: 'page.properties_updated', page, actor, updatedProperties: [...converted.values.keys()].map((p) => p.id) });
    }
    if (flags.isLocked !== undefined && flags.isLocked !== page.isLocked) events.push({ type: flags.isLocked ? 'page.locked' : 'page.unlocked', page, actor });
    if (flags.isLocked !== undefined) page.isLocked = flags.isLocked;
    if (flags.isArchived !== undefined) page.isArchived = flags.isArchived;
    if (flags.icon !== undefined) (page.icon = flags.icon), (touched = true);
    if (flags.cover !== undefined) (page.cover = flags.cover), (touched = true);
    if (touched) {
      page.lastEditedTime = this.now();
      page.lastEditedBy = actor;
    }
    ds.version++;
    this.version++;
    for (const e of events) this.emit(e);
    return page;
  }

  private emit(e: PageEvent): void {
    this.onPageEvent?.(e);
  }

  /** Validates every value first, so a rejected write changes nothing. */
  private convertAll(ds: DataSourceRecord, properties: Record<string, any>) {
    if (!isObject(properties)) throw bodyInvalid('body.properties', 'an object', properties);
    const ctx: WriteContext = {
      ids: this.ids,
      pendingOptions: new Map(),
      isPageOf: (pageId, dsId) => this.pages.get(pageId)?.dataSourceId === dsId,
    };
    const values = new Map<PropertySchema, any>();
    for (const [key, value] of Object.entries(properties)) {
      const prop = this.findProperty(ds, key);
      if (!prop) throw validation(`${key} is not a property that exists.`);
      values.set(prop, convertWrite(prop, value, `body.properties.${key}`, ctx));
    }
    return { values, pendingOptions: ctx.pendingOptions };
  }

  private commitOptions(ds: DataSourceRecord, pending: Map<string, SelectOption[]>): void {
    for (const [propId, options] of pending) ds.propById.get(propId)?.options?.push(...options);
  }

  /**
   * Seeds set relations after every page exists; this writes them without touching timestamps
   * (a seed's last_edited_time stands).
   */
  writeQuietly(page: PageRecord, properties: Record<string, any>): void {
    const ds = this.dataSources.get(page.dataSourceId)!;
    const converted = this.convertAll(ds, properties);
    this.commitOptions(ds, converted.pendingOptions);
    this.applyValues(page, converted.values, page.lastEditedBy, false);
    ds.version++;
    this.version++;
  }

  private applyValues(page: PageRecord, values: Map<PropertySchema, any>, actor: string, touch = true): void {
    for (const [prop, value] of values) {
      if (prop.relation?.dual) this.syncDualRelation(page, prop, page.values[prop.id] ?? [], value, actor, touch);
      page.values[prop.id] = value;
    }
  }

  /**
   * Keeps the other side of a two-way relation in step. UNCERTAIN: whether Notion bumps the other
   * page's last_edited_time; we do, since its visible property value changed.
   */
  private syncDualRelation(page: PageRecord, prop: PropertySchema, before: string[], after: string[], actor: string, touch: boolean): void {
    const syncedId = prop.relation!.dual!.syncedPropertyId;
    const was = new Set(before);
    const now = new Set(after);
    const target = this.dataSources.get(prop.relation!.dataSourceId);
    const edit = (otherId: string, add: boolean) => {
      const other = this.pages.get(otherId);
      if (!other) return;
      const list: string[] = other.values[syncedId] ?? [];
      const has = list.includes(page.id);
      if (add === has) return;
      other.values[syncedId] = add ? [...list, page.id] : list.filter((x) => x !== page.id);
      if (touch) {
        other.lastEditedTime = this.now();
        other.lastEditedBy = actor;
        this.emit({ type: 'page.properties_updated', page: other, actor, updatedProperties: [syncedId] });
      }
    };
    for (const id of now) if (!was.has(id)) edit(id, true);
    for (const id of was) if (!now.has(id)) edit(id, false);
    if (target) target.version++;
  }
}

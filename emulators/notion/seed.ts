/**
 * Seeds: a whole workspace from JSON. Relations may point at databases and pages defined later in the
 * same seed, so a seed is applied in passes: schemas without relations → relations → rollups →
 * pages without relation values → relation values.
 */
import { readFileSync } from 'node:fs';
import { NotionError } from './errors.ts';
import { normalizeId } from './ids.ts';
import type { SeedDatabase, SeedFile } from './types.ts';
import type { DataSourceRecord, PageRecord } from './records.ts';
import { addProperties, reorderProperties } from './schema-changes.ts';
import type { Workspace } from './workspace.ts';

export function loadSeedFile(path: string): SeedFile {
  const parsed = JSON.parse(readFileSync(path, 'utf8'));
  if (typeof parsed !== 'object' || parsed === null || !Array.isArray(parsed.databases)) {
    throw new Error(`Seed file ${path} must be a JSON object with a "databases" array.`);
  }
  return parsed as SeedFile;
}

const DEFERRED = new Set(['relation', 'rollup']);
const typeOf = (cfg: any): string => (typeof cfg?.type === 'string' ? cfg.type : '');

function fail(where: string, e: unknown): never {
  const msg = e instanceof NotionError ? e.message : (e as Error)?.message ?? String(e);
  throw new Error(`Seed ${where}: ${msg}`);
}

/** Applies a seed; returns the created data sources in seed order. `actor` = the person who "made" it. */
export function applySeed(ws: Workspace, seed: SeedFile, actor: string): DataSourceRecord[] {
  const defs = (seed.databases ?? []).map((d) => ({
    ...d,
    properties: Object.fromEntries(Object.entries(d.properties ?? {}).filter(([, c]) => c !== undefined)),
  }));
  const created: DataSourceRecord[] = [];
  // Pass 1: databases with their plain properties.
  for (const def of defs) {
    const plain = Object.fromEntries(Object.entries(def.properties ?? {}).filter(([, c]) => !DEFERRED.has(typeOf(c))));
    try {
      created.push(ws.createDatabase({ id: def.id, dataSourceId: def.dataSourceId, title: def.title, properties: plain }, actor).ds);
    } catch (e) {
      fail(`database "${def.title}"`, e);
    }
  }
  // Relation targets may be named by data source id, database id, or database title within this seed.
  const resolve = (ref: string) => {
    const byId = ws.resolveDataSourceRef(ref);
    if (byId) return byId;
    const i = defs.findIndex((d) => d.title === ref);
    return i >= 0 ? { dataSourceId: created[i].id, databaseId: created[i].databaseId } : null;
  };
  // Passes 2 and 3: relations, then rollups (which need the relations).
  for (const type of ['relation', 'rollup']) {
    defs.forEach((def, i) => {
      const props = Object.fromEntries(Object.entries(def.properties ?? {}).filter(([, c]) => typeOf(c) === type));
      if (Object.keys(props).length === 0) return;
      try {
        addProperties(ws, created[i], props, 'properties', actor, resolve);
      } catch (e) {
        fail(`database "${def.title}"`, e);
      }
    });
  }
  defs.forEach((def, i) => reorderProperties(created[i], Object.keys(def.properties ?? {})));
  // Pass 4: pages without relation values; pass 5: relation values, now that every page exists.
  const pending: Array<[PageRecord, Record<string, any>, string]> = [];
  defs.forEach((def, i) => seedPages(ws, def, created[i], actor, pending));
  for (const [page, relations, where] of pending) {
    try {
      ws.writeQuietly(page, relations);
    } catch (e) {
      fail(where, e);
    }
  }
  return created;
}

function seedPages(ws: Workspace, def: SeedDatabase, ds: DataSourceRecord, actor: string, pending: Array<[PageRecord, Record<string, any>, string]>): void {
  (def.pages ?? []).forEach((p, n) => {
    const where = `database "${def.title}", page ${n}${p.id ? ` (${p.id})` : ''}`;
    const plain: Record<string, any> = {};
    const relations: Record<string, any> = {};
    for (const [key, value] of Object.entries(p.properties ?? {})) {
      if (value === undefined) continue;
      const prop = ws.findProperty(ds, key);
      (prop?.type === 'relation' ? relations : plain)[key] = value;
    }
    try {
      const page = ws.createPage(ds, plain, actor, {
        id: p.id ? (normalizeId(p.id) ?? p.id) : undefined,
        createdTime: p.created_time ? parseTime(p.created_time) : undefined,
        lastEditedTime: p.last_edited_time ? parseTime(p.last_edited_time) : undefined,
        flags: { inTrash: p.in_trash === true },
      });
      if (Object.keys(relations).length > 0) pending.push([page, relations, where]);
    } catch (e) {
      fail(where, e);
    }
  });
}

function parseTime(s: string): number {
  const ms = Date.parse(s);
  if (Number.isNaN(ms)) throw new Error(`invalid timestamp ${s}`);
  return ms;
}

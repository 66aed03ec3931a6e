/**
 * Data-source schemas: property config requests (create/update-data-source shape) → PropertySchema,
 * and PropertySchema → the read shape of `data_source.properties` (or old `database.properties`).
 */
import { bodyInvalid, validation } from './errors.ts';
import type { IdGenerator } from './ids.ts';
import { normalizeId } from './ids.ts';

export interface SelectOption {
  id: string;
  name: string;
  color: string;
  description: string | null;
}

export interface StatusGroup {
  id: string;
  name: string;
  color: string;
  option_ids: string[];
}

export interface PropertySchema {
  id: string;
  name: string;
  type: string;
  description: string | null;
  options?: SelectOption[];
  groups?: StatusGroup[];
  numberFormat?: string;
  relation?: { dataSourceId: string; databaseId: string; dual?: { syncedPropertyId: string; syncedPropertyName: string } };
  rollup?: { function: string; relationPropertyId: string; rollupPropertyId: string };
  formula?: { expression: string };
  uniqueId?: { prefix: string | null };
}

export const PROPERTY_TYPES = new Set([
  'title', 'rich_text', 'number', 'select', 'multi_select', 'status', 'date', 'people', 'files', 'checkbox',
  'url', 'email', 'phone_number', 'formula', 'relation', 'rollup', 'created_time', 'created_by',
  'last_edited_time', 'last_edited_by', 'unique_id', 'place', 'verification', 'button',
]);

/** Read-only (computed) types: writes to them are rejected. */
export const COMPUTED_TYPES = new Set([
  'formula', 'rollup', 'created_time', 'created_by', 'last_edited_time', 'last_edited_by', 'unique_id', 'button',
]);

const PALETTE = ['default', 'gray', 'brown', 'orange', 'yellow', 'green', 'blue', 'purple', 'pink', 'red'];
const SELECT_COLORS = new Set(PALETTE);

/**
 * UNCERTAIN: Notion picks a random color for an option created on the fly; we cycle the palette
 * (skipping "default") so output is deterministic.
 */
export function nextColor(existing: number): string {
  return PALETTE[1 + (existing % (PALETTE.length - 1))];
}

export interface SchemaContext {
  ids: IdGenerator;
  /** Resolves a relation target (data source id; seeds may also use a database id or title). */
  resolveDataSource(ref: string): { dataSourceId: string; databaseId: string } | null;
}

const isObject = (v: unknown): v is Record<string, any> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** The type named by a config: explicit `type`, else the single known type key present. */
export function configType(cfg: Record<string, any>, path: string): string {
  if (typeof cfg.type === 'string') {
    if (!PROPERTY_TYPES.has(cfg.type)) throw bodyInvalid(`${path}.type`, 'a supported property type', cfg.type);
    return cfg.type;
  }
  const keys = Object.keys(cfg).filter((k) => PROPERTY_TYPES.has(k));
  if (keys.length !== 1) throw bodyInvalid(path, 'an object with exactly one property type key', cfg);
  return keys[0];
}

/** Builds a new property from a config request. Rollups are resolved later (they need the whole schema). */
export function parsePropertyConfig(
  name: string,
  cfg: unknown,
  path: string,
  ctx: SchemaContext,
  id: string,
): PropertySchema {
  if (!isObject(cfg)) throw bodyInvalid(path, 'an object', cfg);
  const type = configType(cfg, path);
  const body = isObject(cfg[type]) ? cfg[type] : {};
  const prop: PropertySchema = { id, name, type, description: typeof cfg.description === 'string' ? cfg.description : null };
  switch (type) {
    case 'select':
    case 'multi_select':
      prop.options = [];
      mergeOptions(prop, body.options, `${path}.${type}.options`, ctx.ids);
      break;
    case 'status':
      initStatus(prop, body.options, `${path}.status.options`, ctx.ids);
      break;
    case 'number':
      prop.numberFormat = typeof body.format === 'string' ? body.format : 'number';
      break;
    case 'formula':
      prop.formula = { expression: typeof body.expression === 'string' ? body.expression : '' };
      break;
    case 'unique_id':
      prop.uniqueId = { prefix: typeof body.prefix === 'string' ? body.prefix : null };
      break;
    case 'relation': {
      const ref = body.data_source_id ?? body.database_id;
      const target = typeof ref === 'string' ? ctx.resolveDataSource(ref) : null;
      if (!target) throw validation(`Could not find data source with ID: ${ref}. Make sure the relevant pages and databases are shared with your integration.`);
      prop.relation = { ...target };
      break;
    }
    case 'rollup':
      // Placeholder ids; resolveRollup() fills them once every property exists.
      prop.rollup = { function: typeof body.function === 'string' ? body.function : 'show_original', relationPropertyId: '', rollupPropertyId: '' };
      break;
  }
  return prop;
}

/** Fills a rollup's relation/target ids from the config's names or ids. */
export function resolveRollup(
  prop: PropertySchema,
  cfg: Record<string, any>,
  path: string,
  ownProps: PropertySchema[],
  targetProps: (dataSourceId: string) => PropertySchema[] | undefined,
): void {
  const body = isObject(cfg.rollup) ? cfg.rollup : {};
  const rel = ownProps.find(
    (p) => p.type === 'relation' && (p.name === body.relation_property_name || p.id === body.relation_property_id),
  );
  if (!rel?.relation) throw bodyInvalid(`${path}.rollup.relation_property_name`, 'the name of a relation property', body.relation_property_name ?? body.relation_property_id);
  const targets = targetProps(rel.relation.dataSourceId) ?? [];
  const target = targets.find((p) => p.name === body.rollup_property_name || p.id === body.rollup_property_id);
  if (!target) throw bodyInvalid(`${path}.rollup.rollup_property_name`, 'a property of the related data source', body.rollup_property_name ?? body.rollup_property_id);
  prop.rollup = { function: prop.rollup!.function, relationPropertyId: rel.id, rollupPropertyId: target.id };
}

/** Adds or updates options (matched by id, then name). Option names may not contain commas. */
export function mergeOptions(prop: PropertySchema, options: unknown, path: string, ids: IdGenerator): void {
  if (options === undefined) return;
  if (!Array.isArray(options)) throw bodyInvalid(path, 'an array', options);
  options.forEach((o, i) => {
    if (!isObject(o)) throw bodyInvalid(`${path}[${i}]`, 'an object', o);
    const existing = prop.options!.find((x) => (o.id !== undefined && x.id === o.id) || (o.name !== undefined && x.name === o.name));
    if (o.color !== undefined && !SELECT_COLORS.has(o.color)) throw bodyInvalid(`${path}[${i}].color`, 'a valid select color', o.color);
    if (existing) {
      if (typeof o.name === 'string') existing.name = checkOptionName(o.name, `${path}[${i}].name`);
      if (o.color !== undefined) existing.color = o.color;
      if (o.description !== undefined) existing.description = o.description;
      return;
    }
    if (typeof o.name !== 'string') throw bodyInvalid(`${path}[${i}].name`, 'a string', o.name);
    prop.options!.push({
      id: typeof o.id === 'string' ? o.id : ids.uuid(),
      name: checkOptionName(o.name, `${path}[${i}].name`),
      color: o.color ?? nextColor(prop.options!.length),
      description: typeof o.description === 'string' ? o.description : null,
    });
  });
}

export function checkOptionName(name: string, path: string): string {
  if (name.includes(',')) throw validation(`Invalid select option, commas not allowed: ${name}`);
  if (name.length > 100) throw bodyInvalid(`${path}.length`, '≤ `100`', name.length);
  return name;
}

/** Status options default to Notion's three (Not started / In progress / Done) in three groups. */
function initStatus(prop: PropertySchema, options: unknown, path: string, ids: IdGenerator): void {
  prop.options = [];
  if (Array.isArray(options) && options.length > 0) {
    mergeOptions(prop, options, path, ids);
  } else {
    prop.options = [
      { id: ids.uuid(), name: 'Not started', color: 'default', description: null },
      { id: ids.uuid(), name: 'In progress', color: 'blue', description: null },
      { id: ids.uuid(), name: 'Done', color: 'green', description: null },
    ];
  }
  const [first, ...rest] = prop.options;
  const last = rest.length > 0 ? rest[rest.length - 1] : undefined;
  const middle = rest.slice(0, -1);
  prop.groups = [
    { id: ids.uuid(), name: 'To-do', color: 'gray', option_ids: first ? [first.id] : [] },
    { id: ids.uuid(), name: 'In progress', color: 'blue', option_ids: middle.map((o) => o.id) },
    { id: ids.uuid(), name: 'Complete', color: 'green', option_ids: last ? [last.id] : [] },
  ];
}

export interface PropertyLookup {
  own(propertyId: string): PropertySchema | undefined;
  inDataSource(dataSourceId: string, propertyId: string): PropertySchema | undefined;
}

/** Read shape of one schema entry. `legacy` (API < 2025-09-03) omits data_source_id from relations. */
export function renderPropertyConfig(
  p: PropertySchema,
  lookup: PropertyLookup,
  legacy: boolean,
): Record<string, any> {
  const out: Record<string, any> = { id: p.id, name: p.name, description: p.description, type: p.type };
  switch (p.type) {
    case 'select':
    case 'multi_select':
      out[p.type] = { options: p.options!.map((o) => ({ ...o })) };
      break;
    case 'status':
      out.status = { options: p.options!.map((o) => ({ ...o })), groups: p.groups!.map((g) => ({ ...g, option_ids: [...g.option_ids] })) };
      break;
    case 'number':
      out.number = { format: p.numberFormat ?? 'number' };
      break;
    case 'formula':
      out.formula = { expression: p.formula!.expression };
      break;
    case 'unique_id':
      out.unique_id = { prefix: p.uniqueId!.prefix };
      break;
    case 'relation': {
      const r = p.relation!;
      const rel: Record<string, any> = legacy ? { database_id: r.databaseId } : { database_id: r.databaseId, data_source_id: r.dataSourceId };
      if (r.dual) {
        rel.type = 'dual_property';
        rel.dual_property = { synced_property_id: r.dual.syncedPropertyId, synced_property_name: r.dual.syncedPropertyName };
      } else {
        rel.type = 'single_property';
        rel.single_property = {};
      }
      out.relation = rel;
      break;
    }
    case 'rollup': {
      const r = p.rollup!;
      const rel = lookup.own(r.relationPropertyId);
      const target = rel?.relation ? lookup.inDataSource(rel.relation.dataSourceId, r.rollupPropertyId) : undefined;
      out.rollup = {
        function: r.function,
        relation_property_id: r.relationPropertyId,
        relation_property_name: rel?.name ?? '',
        rollup_property_id: r.rollupPropertyId,
        rollup_property_name: target?.name ?? '',
      };
      break;
    }
    default:
      out[p.type] = {};
  }
  return out;
}

export function requireUuid(v: unknown, path: string): string {
  const id = normalizeId(v);
  if (!id) throw bodyInvalid(path, 'a valid uuid', v);
  return id;
}

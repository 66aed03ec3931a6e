/**
 * Datasets from the config file, pure: a dataset of your own (`datasets.<name>` with databaseId,
 * direction, table, fields) becomes a descriptor like the built-in ones, and the config's fields
 * (yours, or extra fields of a built-in dataset) become FieldDefs once the data source's schema
 * says what kind each property is. The column type follows the kind (fieldKinds.ts); the config's
 * `type` overrides it where that loses nothing.
 */
import { databaseIdEnvOf, DEFAULT_ROW_ID_PROPERTY } from './define.ts';
import { columnTypeFor, FIELD_KINDS, isNotionKind, readOnlyReason, type SchemaProperty } from './fieldKinds.ts';
import type { ConfigField, DatasetDescriptor, FieldDef } from './types.ts';

export interface UserDatasetInput {
  name: string;
  direction: 'notion-to-postgres' | 'two-way';
  table?: string;
  fields: Record<string, { property: string; type?: ConfigField['type'] }>;
  rowIdProperty?: string;
}

export function configFieldsOf(fields: UserDatasetInput['fields'] | undefined): ConfigField[] {
  return Object.entries(fields ?? {}).map(([column, f]) => ({ column, property: f.property, ...(f.type ? { type: f.type } : {}) }));
}

/** The descriptor of a dataset defined in the config file; its fields resolve when the schema is read. */
export function userDataset(input: UserDatasetInput): DatasetDescriptor {
  return {
    name: input.name,
    table: input.table ?? input.name,
    pattern: input.direction === 'two-way' ? 'two-way' : 'one-way',
    databaseIdEnv: databaseIdEnvOf(input.name),
    fields: [],
    configFields: configFieldsOf(input.fields),
    userDefined: true,
    ...(input.direction === 'two-way' ? { rowIdProperty: input.rowIdProperty ?? DEFAULT_ROW_ID_PROPERTY } : {}),
  };
}

/**
 * Which synced dataset a relation property points at (by the related database or data source
 * id), or null when its pages are not synced (the column then holds page ids as text).
 */
export type RelationTarget = (relation: { data_source_id?: string; database_id?: string }) => string | null;

export interface ResolvedFields {
  /** The config fields as FieldDefs, in config order (after the built-in fields). */
  fields: FieldDef[];
  /** One line each: a property not in the schema, a button, a `type` the kind cannot fill. */
  problems: string[];
}

/** The config fields of `ds` against the data source's schema (property name → schema property). */
export function resolveConfigFields(ds: DatasetDescriptor, schema: Record<string, SchemaProperty>, relationTarget: RelationTarget): ResolvedFields {
  const fields: FieldDef[] = [];
  const problems: string[] = [];
  // Two-way: the column that writes each property back (a built-in field's first); any other
  // column of the same property is a read-only copy, so one page value never gets two writers.
  const writer = new Map<string, string>(ds.fields.filter((f) => !f.readOnly).map((f) => [f.property, f.column]));
  for (const c of ds.configFields ?? []) {
    const where = `datasets.${ds.name}.fields.${c.column}`;
    const prop = schema[c.property];
    if (ds.pattern === 'two-way' && ds.rowIdProperty && c.property === ds.rowIdProperty) {
      problems.push(`${where}: "${c.property}" is the row-id property of this two-way dataset (it holds each page's Postgres id): map another property`);
      continue;
    }
    if (!prop) {
      problems.push(`${where}: no property "${c.property}" in the Notion database (properties: ${Object.keys(schema).join(', ')})`);
      continue;
    }
    const target = prop.type === 'relation' && prop.relation ? relationTarget(prop.relation) : null;
    const column = columnTypeFor(prop, c.type, target !== null);
    if ('problem' in column) {
      problems.push(`${where}: ${column.problem}`);
      continue;
    }
    const kind = prop.type as FieldDef['kind'];
    let readOnly: string | null = null;
    if (ds.pattern === 'two-way') {
      readOnly = readOnlyReason(kind, column.type);
      const other = writer.get(c.property);
      if (!readOnly && other) readOnly = `also mapped to column ${other}, which writes it back`;
      if (!readOnly) writer.set(c.property, c.column);
    }
    fields.push({
      field: c.column,
      property: c.property,
      kind,
      column: c.column,
      columnType: column.type,
      configured: true,
      propertyId: prop.id,
      ...(target && column.type === 'uuid[]' ? { relation: { dataset: target } } : {}),
      ...(readOnly ? { readOnly } : {}),
    });
  }
  return { fields, problems };
}

/**
 * The dataset with its config fields resolved (schema known), or, without a schema, with the
 * fields whose `type` the config gives as columns only (migrate can create those before the first
 * run reads the schema). `fields` of the result drive reading only when `complete`.
 */
export function withConfigFields(
  ds: DatasetDescriptor,
  schema: Record<string, SchemaProperty> | null,
  relationTarget: RelationTarget,
): { dataset: DatasetDescriptor; complete: boolean; problems: string[] } {
  if (!ds.configFields?.length) return { dataset: ds, complete: true, problems: [] };
  if (schema) {
    const { fields, problems } = resolveConfigFields(ds, schema, relationTarget);
    return { dataset: { ...ds, fields: [...ds.fields, ...fields], configFields: [] }, complete: problems.length === 0, problems };
  }
  // Only the columns: kind unknown until the schema is read ('rich_text' stands in; nothing reads these).
  const typed = ds.configFields.filter((c) => c.type);
  const columns: FieldDef[] = typed.map((c) => ({ field: c.column, property: c.property, kind: 'rich_text', column: c.column, columnType: c.type!, configured: true }));
  return { dataset: { ...ds, fields: [...ds.fields, ...columns], configFields: [] }, complete: false, problems: [] };
}

/** Whether a schema property's type can be mapped at all (for messages): a known, storable kind. */
export function isStorableKind(type: string): boolean {
  return isNotionKind(type) && !FIELD_KINDS[type].refused;
}

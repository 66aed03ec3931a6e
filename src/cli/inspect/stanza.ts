/**
 * From a data source's schema (and, where the schema cannot say, a few of its pages) to the config
 * stanza `inspect` prints: every property a field whose key is its column, with the column type the
 * sync will create for it — taken from the sync's own table of field kinds (src/datasets/fieldKinds.ts),
 * never a second mapping. Pure: no requests, no files.
 *
 * Where the type depends on the data rather than the schema, the pages decide and the stanza says
 * so with `"type"` (the config's override): a date property whose values are all days → date; a
 * formula, whose schema does not give its result type → numeric, boolean, timestamptz or date as
 * its values are (text, the sync's default, needs no `"type"`).
 */
import type { DataSourceInfo, NotionPage } from '../../connectors/notion/index.ts';
import { toDashedId } from '../../connectors/notion/index.ts';
import { columnTypeFor, FIELD_KINDS, isNotionKind, type SchemaProperty } from '../../datasets/fieldKinds.ts';
import type { ColumnType } from '../../store/types.ts';
import { ColumnNamer } from './names.ts';

export type Direction = 'notion-to-postgres' | 'two-way';

/** One field of the stanza: `{ property, type? }` under its column. */
export interface StanzaField {
  property: string;
  type?: ColumnType;
}

export interface DatasetStanza {
  databaseId: string;
  direction: Direction;
  table: string;
  fields: Record<string, StanzaField>;
}

/** A line of the printed table. */
export interface MappedProperty {
  property: string;
  notionType: string;
  column: string;
  columnType: ColumnType;
  /** Computed by Notion: synced Notion → Postgres only, even in a two-way dataset. */
  readOnly: boolean;
  /** Why the type is what it is when the schema alone did not say (e.g. "values are days"). */
  basis?: string;
}

export interface UnsupportedProperty {
  property: string;
  notionType: string;
  reason: string;
}

export interface Inspection {
  name: string;
  title: string;
  stanza: DatasetStanza;
  mapped: MappedProperty[];
  unsupported: UnsupportedProperty[];
  /** Things to know that are not a property's line: several data sources, the row-id property. */
  notes: string[];
}

export interface InspectInput {
  info: DataSourceInfo;
  /** Pages to tell date and formula types from (may be empty). */
  samples: NotionPage[];
  name: string;
  direction: Direction;
  /** Ids (database or data source, any form) of the datasets already synced: a relation to one becomes uuid[]. */
  syncedDatabaseIds: string[];
  /** Two-way: the rich_text property holding the row id, not a field. */
  rowIdProperty: string;
}

/** Whether the schema leaves the column type to the data (and so the pages are worth a request). */
export function needsSamples(info: DataSourceInfo): boolean {
  return Object.values(info.properties).some((p) => p.type === 'date' || p.type === 'formula');
}

export function inspectDataSource(input: InspectInput): Inspection {
  const { info, samples, direction } = input;
  const notes: string[] = [];
  const namer = new ColumnNamer();
  const synced = new Set([info.dataSourceId, info.databaseId, ...input.syncedDatabaseIds].map((id) => (id ? toDashedId(id) : null)).filter(Boolean));
  const mapped: MappedProperty[] = [];
  const unsupported: UnsupportedProperty[] = [];
  const fields: Record<string, StanzaField> = {};

  for (const prop of orderedProperties(info)) {
    if (direction === 'two-way' && prop.name === input.rowIdProperty) {
      notes.push(`"${prop.name}" is the row-id property of a two-way dataset (where each page keeps its Postgres id): not a field.`);
      continue;
    }
    const relationSynced = prop.type === 'relation' && relationTargets(prop).some((id) => synced.has(toDashedId(id)));
    const chosen = columnTypeFor(prop, undefined, relationSynced);
    if ('problem' in chosen) {
      unsupported.push({ property: prop.name, notionType: prop.type, reason: unsupportedReason(prop) });
      continue;
    }
    const fromData = typeFromData(prop, samples);
    const columnType = fromData && fromData.type !== chosen.type ? fromData.type : chosen.type;
    const column = namer.next(prop.name);
    fields[column] = columnType !== chosen.type ? { property: prop.name, type: columnType } : { property: prop.name };
    mapped.push({
      property: prop.name,
      notionType: prop.type,
      column,
      columnType,
      readOnly: isNotionKind(prop.type) && FIELD_KINDS[prop.type].readOnly,
      basis: fromData?.basis ?? basisFromSchema(prop, relationSynced),
    });
  }
  if (direction === 'two-way' && !(input.rowIdProperty in info.properties)) {
    notes.push(`Two-way datasets keep each page's Postgres id in a "${input.rowIdProperty}" text property: \`jarvis-sync setup\` adds it.`);
  }
  const others = (info.dataSources ?? []).slice(1);
  if (others.length) {
    notes.push(
      `The database has ${info.dataSources!.length} data sources; this is the first ("${info.dataSources![0]!.name}"). Inspect another by its id: ${others.map((s) => `${s.id} ("${s.name}")`).join(', ')}.`,
    );
  }
  // One data source: the database id, as the user knows it; several: the data source's own id, so the stanza names exactly this one.
  const databaseId = info.databaseId && (info.dataSources?.length ?? 0) === 1 ? info.databaseId : info.dataSourceId;
  return { name: input.name, title: info.title, stanza: { databaseId, direction, table: input.name, fields }, mapped, unsupported, notes };
}

/** The title first (the record's name), then Notion's order. */
function orderedProperties(info: DataSourceInfo): SchemaProperty[] {
  const all = Object.entries(info.properties).map(([name, p]) => ({ ...p, name }) as SchemaProperty);
  return [...all.filter((p) => p.type === 'title'), ...all.filter((p) => p.type !== 'title')];
}

function relationTargets(prop: SchemaProperty): string[] {
  return [prop.relation?.data_source_id, prop.relation?.database_id].filter((id): id is string => typeof id === 'string');
}

function unsupportedReason(prop: SchemaProperty): string {
  if (!isNotionKind(prop.type)) return `jarvis-sync does not read ${prop.type} properties`;
  return FIELD_KINDS[prop.type].refused ?? `jarvis-sync cannot store a ${prop.type}`;
}

function basisFromSchema(prop: SchemaProperty, relationSynced: boolean): string | undefined {
  if (prop.type === 'relation') return relationSynced ? 'related database is synced: its rows\' ids' : 'related database is not synced: page ids';
  if (prop.type === 'rollup') return `rollup ${String((prop.rollup as { function?: string } | undefined)?.function ?? '')}`.trim();
  if (prop.type === 'formula') return 'no values to tell the result type: text';
  return undefined;
}

const DAY = /^\d{4}-\d{2}-\d{2}$/;

/** A type only the values can tell: days-only dates, a formula's result type. */
function typeFromData(prop: SchemaProperty, samples: NotionPage[]): { type: ColumnType; basis: string } | null {
  const values = samples.map((p) => p.properties[prop.name]).filter((v) => v && v.type === prop.type);
  if (prop.type === 'date') {
    const dates = values.map((v) => v.date).filter((d): d is { start: string; end: string | null } => d && typeof d.start === 'string');
    if (dates.length === 0) return null;
    return dates.every((d) => DAY.test(d.start) && (!d.end || DAY.test(d.end))) ? { type: 'date', basis: 'values are days' } : { type: 'timestamptz', basis: 'values have times' };
  }
  if (prop.type === 'formula') {
    const results = values.map((v) => v.formula).filter((f) => f && typeof f.type === 'string' && f[f.type] !== null && f[f.type] !== undefined && f[f.type] !== '');
    const kinds = new Set(results.map((f) => f.type as string));
    if (kinds.size === 0) return null;
    if (kinds.size > 1) return { type: 'text', basis: `values are of several types (${[...kinds].join(', ')}): text` };
    const kind = [...kinds][0]!;
    if (kind === 'number') return { type: 'numeric', basis: 'values are numbers' };
    if (kind === 'boolean') return { type: 'boolean', basis: 'values are true/false' };
    if (kind === 'date') {
      const days = results.every((f) => DAY.test(f.date.start) && (!f.date.end || DAY.test(f.date.end)));
      return days ? { type: 'date', basis: 'values are days' } : { type: 'timestamptz', basis: 'values are dates with times' };
    }
    return { type: 'text', basis: 'values are text' };
  }
  return null;
}

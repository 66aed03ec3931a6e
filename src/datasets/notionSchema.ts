/**
 * A dataset's Notion side, made from its definition: the properties a database needs (as a
 * create-database request, or the Notion emulator's seed, gives them) and a page's values for
 * them. The emulator's sample workspaces are made this way (emulators/samples), so they have
 * exactly the properties the definitions map, under their names and kinds, with nothing to keep
 * in step by hand.
 */
import { FIELD_KINDS } from './fieldKinds.ts';
import type { DatasetDescriptor } from './types.ts';

/** One property's configuration: `{ type: 'select', select: { options: [...] } }`. */
export interface PropertyConfig {
  type: string;
  [config: string]: unknown;
}

export interface SchemaOptions {
  /** Select, multi-select and status fields: their options, in order, by field. */
  options?: Record<string, string[]>;
  /** Relation fields: the data source id of the dataset the related pages are. */
  dataSourceOf?: (dataset: string) => string;
}

/** The properties of the dataset's database: each field's, then a two-way dataset's row-id property. */
export function notionSchemaOf(ds: DatasetDescriptor, opts: SchemaOptions = {}): Record<string, PropertyConfig> {
  const out: Record<string, PropertyConfig> = {};
  for (const f of ds.fields) {
    const options = opts.options?.[f.field];
    if (f.relation) {
      if (!opts.dataSourceOf) throw new Error(`${ds.name}.${f.field}: a relation needs the data source of ${f.relation.dataset}`);
      out[f.property] = { type: 'relation', relation: { data_source_id: opts.dataSourceOf(f.relation.dataset) } };
    } else if (options) {
      out[f.property] = { type: f.kind, [f.kind]: { options: options.map((name) => ({ name })) } };
    } else {
      out[f.property] = { type: f.kind };
    }
  }
  if (ds.rowIdProperty) out[ds.rowIdProperty] = { type: 'rich_text' };
  return out;
}

/**
 * A page's property values from plain values by field (text, numbers, dates as ISO strings or
 * `{ start, end }`, option names, related page ids), written by the kind table as jarvis-sync
 * writes them to Notion.
 * Fields left out are left out of the page.
 */
export function notionPageOf(ds: DatasetDescriptor, values: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [field, value] of Object.entries(values)) {
    const f = ds.fields.find((x) => x.field === field);
    if (!f) throw new Error(`${ds.name} has no field ${field}`);
    const write = FIELD_KINDS[f.kind].write;
    if (!write) throw new Error(`${ds.name}.${field}: Notion computes a ${f.kind}; a page cannot be given one`);
    out[f.property] = write(value, f.property);
  }
  return out;
}

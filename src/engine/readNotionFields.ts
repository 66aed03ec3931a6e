import { FIELD_KINDS, ResultTypeError } from '../datasets/fieldKinds.ts';
import type { FieldDef } from '../datasets/types.ts';
import type { NotionPage } from '../connectors/notion/types.ts';
import { extractValue } from '../connectors/notion/properties.ts';
import type { RawNotionValue } from './canonical.ts';

/** A record that cannot be read: logged and skipped while the rest sync. */
export class MalformedRecordError extends Error {
  constructor(
    message: string,
    /** The page lacks a mapped property or has it with another type: maybe the schema drifted (the runner checks). */
    readonly propertyMismatch = false,
  ) {
    super(message);
    this.name = 'MalformedRecordError';
  }
}

/** A computed property (formula, rollup) gives a result its column cannot hold: the schema drifted for every page. */
export class ResultDriftError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ResultDriftError';
  }
}

/**
 * Reads a dataset's fields off a Notion page. A missing property or one of another type is a
 * malformed record (the schema drifted or the page is odd): say which property and what was expected.
 */
export function readNotionFields(fields: FieldDef[], page: NotionPage): Record<string, RawNotionValue> {
  const raw: Record<string, RawNotionValue> = {};
  for (const f of fields) {
    const prop = page.properties?.[f.property];
    if (!prop) {
      throw new MalformedRecordError(`page ${page.id} has no property "${f.property}" (expected type ${f.kind}); check the property name in the dataset config`, true);
    }
    if (prop.type !== f.kind) {
      throw new MalformedRecordError(`page ${page.id}: property "${f.property}" is of type ${prop.type}, expected ${f.kind}`, true);
    }
    if (!f.configured) {
      raw[f.field] = extractValue(prop) as RawNotionValue;
      continue;
    }
    try {
      // Config fields read through the kind table: a value ready for the column's type.
      raw[f.field] = (f.kind === 'relation' ? extractValue(prop) : FIELD_KINDS[f.kind].read(prop, f.columnType)) as RawNotionValue;
    } catch (e) {
      if (e instanceof ResultTypeError) throw new ResultDriftError(`property "${f.property}" (column ${f.column}): ${e.message}; set datasets.<dataset>.fields.${f.field}.type to fit it, or map it to a new column`);
      throw e;
    }
  }
  return raw;
}

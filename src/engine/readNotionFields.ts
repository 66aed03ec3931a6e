import type { FieldDef } from '../datasets/types.ts';
import type { NotionPage } from '../connectors/notion/types.ts';
import { extractValue } from '../connectors/notion/properties.ts';
import type { RawNotionValue } from './canonical.ts';

/** A record that cannot be read: logged and skipped while the rest sync. */
export class MalformedRecordError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'MalformedRecordError';
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
      throw new MalformedRecordError(`page ${page.id} has no property "${f.property}" (expected type ${f.kind}); check the property name in the dataset config`);
    }
    if (prop.type !== f.kind) {
      throw new MalformedRecordError(`page ${page.id}: property "${f.property}" is of type ${prop.type}, expected ${f.kind}`);
    }
    raw[f.field] = extractValue(prop) as RawNotionValue;
  }
  return raw;
}

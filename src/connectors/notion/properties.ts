/**
 * Notion property values ⇄ canonical JS values, one reader and one builder per property type.
 *
 *   Extract.title(page, 'Title')            → 'Hello'           (spec style, checks the type)
 *   extractValue(page.properties['Title'])  → 'Hello'           (generic, by the value's own type)
 *   Build.properties({ Title: Build.title('Hello', 'Title') })  → request body `properties`
 *   buildValue('title', 'Hello', 'Title')   → { title: [...] }  (generic, for descriptor-driven code)
 *
 * Reading never guesses: a missing property or one of another type throws a validation error
 * naming both types, so the caller can log and skip that record. Writing never truncates:
 * values beyond Notion's limits throw a validation error naming the property and the limit.
 */
import type { CreatePageParameters } from '@notionhq/client';
import { validationError } from './errors.ts';
import { toDashedId } from './ids.ts';
import { describeType, plainText, toRichText, type RichTextLike, type TextRichTextRequest } from './rich-text.ts';

// ---------------------------------------------------------------------------------------------
// Canonical values

export interface DateValue {
  start: string;
  end: string | null;
  time_zone: string | null;
}
export interface FileValue {
  name: string;
  url: string;
  /** 'file' = hosted by Notion (URL expires after about an hour), 'external' = a link. */
  type: 'file' | 'external';
}
export interface PlaceValue {
  lat: number;
  lon: number;
  name: string | null;
  address: string | null;
}
export interface VerificationValue {
  state: 'verified' | 'expired' | 'unverified';
  date: DateValue | null;
  /** User id of the verifier. */
  verified_by: string | null;
}
export type FormulaValue = string | number | boolean | DateValue | null;
/** number / date rollups give their value; array rollups give the canonical value of each item. */
export type RollupValue = number | DateValue | CanonicalValue[] | null;

/** Canonical value per Notion property type. */
export interface CanonicalValues {
  title: string;
  rich_text: string;
  number: number | null;
  select: string | null;
  multi_select: string[];
  status: string | null;
  date: DateValue | null;
  checkbox: boolean;
  url: string | null;
  email: string | null;
  phone_number: string | null;
  /** Dashed lowercase page ids. */
  relation: string[];
  /** User (or group) ids. */
  people: string[];
  files: FileValue[];
  formula: FormulaValue;
  rollup: RollupValue;
  created_time: string;
  last_edited_time: string;
  /** User id. */
  created_by: string | null;
  /** User id. */
  last_edited_by: string | null;
  /** "PREFIX-12", or "12" without a prefix; null before Notion assigns it. */
  unique_id: string | null;
  verification: VerificationValue | null;
  place: PlaceValue | null;
  /** Buttons hold no value. */
  button: null;
}
export type NotionPropertyType = keyof CanonicalValues;
export type CanonicalValue = CanonicalValues[NotionPropertyType];

/** A property value as read: { id, type, [type]: value } (+ has_more on relations). */
export interface PropertyValueLike {
  type: string;
  id?: string;
  has_more?: boolean;
  [k: string]: any;
}
export interface PageLike {
  id?: string;
  properties: Record<string, PropertyValueLike>;
}

// ---------------------------------------------------------------------------------------------
// Reading

type Readers = { [T in NotionPropertyType]: (raw: any) => CanonicalValues[T] };

const readers: Readers = {
  title: (raw) => plainText(richTextArray(raw, 'title')),
  rich_text: (raw) => plainText(richTextArray(raw, 'rich_text')),
  number: (raw) => {
    if (raw === null || raw === undefined) return null;
    // Never read a malformed value as empty: that would erase the number in Postgres.
    if (typeof raw !== 'number') throw validationError(`number property holds ${JSON.stringify(raw)} (${describeType(raw)}), not a number`);
    return raw;
  },
  select: (raw) => raw?.name ?? null,
  multi_select: (raw: Array<{ name: string }> | null) => (raw ?? []).map((o) => o.name),
  status: (raw) => raw?.name ?? null,
  date: (raw) => readDate(raw),
  checkbox: (raw) => raw === true,
  url: (raw) => raw ?? null,
  email: (raw) => raw ?? null,
  phone_number: (raw) => raw ?? null,
  relation: (raw: Array<{ id: string }> | null) => (raw ?? []).map((r) => toDashedId(r.id) ?? r.id),
  people: (raw: Array<{ id: string }> | null) => (raw ?? []).map((u) => u.id),
  files: (raw: any[] | null) =>
    (raw ?? []).map((f) => ({
      name: f.name ?? '',
      url: f.type === 'external' ? f.external?.url ?? '' : f.file?.url ?? '',
      type: f.type === 'external' ? 'external' : 'file',
    })),
  formula: (raw) => readFormula(raw),
  rollup: (raw) => readRollup(raw),
  created_time: (raw) => raw,
  last_edited_time: (raw) => raw,
  created_by: (raw) => raw?.id ?? null,
  last_edited_by: (raw) => raw?.id ?? null,
  unique_id: (raw) => {
    if (!raw || typeof raw.number !== 'number') return null;
    return raw.prefix ? `${raw.prefix}-${raw.number}` : String(raw.number);
  },
  verification: (raw) =>
    raw ? { state: raw.state, date: readDate(raw.date), verified_by: raw.verified_by?.id ?? null } : null,
  place: (raw) =>
    raw ? { lat: raw.lat, lon: raw.lon, name: raw.name ?? null, address: raw.address ?? null } : null,
  button: () => null,
};

export const PROPERTY_TYPES = Object.keys(readers) as NotionPropertyType[];

/** A rich-text value must be an array: anything else is malformed, never read as an empty text. */
function richTextArray(raw: unknown, type: string): RichTextLike[] | null {
  if (raw === null || raw === undefined || Array.isArray(raw)) return raw as RichTextLike[] | null;
  throw validationError(`${type} property holds ${describeType(raw)}, not a rich-text array`);
}

function readDate(raw: any): DateValue | null {
  if (!raw || typeof raw.start !== 'string') return null;
  return { start: raw.start, end: raw.end ?? null, time_zone: raw.time_zone ?? null };
}

function readFormula(raw: any): FormulaValue {
  switch (raw?.type) {
    case 'string':
      return raw.string ?? null;
    case 'number':
      return raw.number ?? null;
    case 'boolean':
      return raw.boolean ?? null;
    case 'date':
      return readDate(raw.date);
    default:
      return null; // 'unsupported'
  }
}

function readRollup(raw: any): RollupValue {
  switch (raw?.type) {
    case 'number':
      return raw.number ?? null;
    case 'date':
      return readDate(raw.date);
    case 'array':
      return (raw.array ?? []).map((item: PropertyValueLike) => extractValue(item));
    default:
      return null; // 'unsupported', 'incomplete'
  }
}

/** The canonical value of a property value, by its own `type`. */
export function extractValue(property: PropertyValueLike, propertyName = 'property'): CanonicalValue {
  if (!property || typeof property !== 'object' || typeof property.type !== 'string') {
    throw validationError(`Property "${propertyName}": not a Notion property value (no "type")`);
  }
  const reader = (readers as Record<string, (raw: unknown) => CanonicalValue>)[property.type];
  if (!reader) {
    throw validationError(`Property "${propertyName}": type "${property.type}" is not supported by jarvis-sync`);
  }
  if (property.has_more === true) {
    // Page objects carry at most 25 references; a partial list would be read as the full one.
    throw validationError(
      `Property "${propertyName}" (${property.type}) is truncated (has_more): read the page through the connector (queryPages/retrievePage), which completes it`,
    );
  }
  return reader(property[property.type]);
}

function readProperty<T extends NotionPropertyType>(page: PageLike, name: string, expected: T): CanonicalValues[T] {
  const properties = page?.properties ?? {};
  const where = page?.id ? ` on page ${page.id}` : '';
  if (!Object.prototype.hasOwnProperty.call(properties, name)) {
    const available = Object.keys(properties);
    throw validationError(
      `Property "${name}" is missing${where} (expected type ${expected}; the page has: ${available.length ? available.join(', ') : 'no properties'}): check the property name in the dataset config`,
    );
  }
  const property = properties[name]!;
  if (property.type !== expected) {
    throw validationError(
      `Property "${name}"${where} has type ${property.type}, expected ${expected}: fix the field's kind or property name in the dataset config`,
    );
  }
  return extractValue(property, name) as CanonicalValues[T];
}

type Extractors = { [T in NotionPropertyType]: (page: PageLike, propertyName: string) => CanonicalValues[T] };

/** Extract.<type>(page, 'Property name') → canonical value; throws validation on a missing or mistyped property. */
export const Extract = Object.freeze(
  Object.fromEntries(PROPERTY_TYPES.map((t) => [t, (page: PageLike, name: string) => readProperty(page, name, t)])),
) as Readonly<Extractors>;

// ---------------------------------------------------------------------------------------------
// Writing

/** One property value as pages.create / pages.update accept it. */
export type PropertyRequest = NonNullable<CreatePageParameters['properties']>[string];

export const MAX_ARRAY_ITEMS = 100;
export const MAX_URL_LENGTH = 2000;
export const MAX_EMAIL_LENGTH = 200;
export const MAX_PHONE_LENGTH = 200;

export type DateInput = DateValue | { start: string; end?: string | null; time_zone?: string | null } | string | Date | null | undefined;
export type FileInput = { name?: string; url: string; type?: 'external' | 'file' };
export type PlaceInput = { lat: number; lon: number; name?: string | null; address?: string | null } | null | undefined;
export type VerificationInput = { state: 'verified' | 'unverified' | 'expired'; date?: DateInput } | null | undefined;

const DEFAULT_NAME = '(unnamed property)';

function title(value: string | null | undefined, propertyName = DEFAULT_NAME): { title: TextRichTextRequest[] } {
  return { title: toRichText(value, propertyName) };
}

function richText(value: string | null | undefined, propertyName = DEFAULT_NAME): { rich_text: TextRichTextRequest[] } {
  return { rich_text: toRichText(value, propertyName) };
}

function number(value: number | string | null | undefined, propertyName = DEFAULT_NAME): { number: number | null } {
  if (value === null || value === undefined || value === '') return { number: null };
  // Postgres numeric arrives as a string through node-postgres; accept plain decimal notation.
  const n = typeof value === 'string' && /^\s*-?\d+(\.\d+)?([eE][-+]?\d+)?\s*$/.test(value) ? Number(value) : value;
  if (typeof n !== 'number' || !Number.isFinite(n)) {
    throw validationError(`Property "${propertyName}": expected a finite number, got ${typeof value === 'number' ? String(value) : describeType(value)}`);
  }
  return { number: n };
}

function optionName(value: unknown, propertyName: string, type: string): string {
  if (typeof value !== 'string') throw validationError(`Property "${propertyName}": ${type} option must be a string, got ${describeType(value)}`);
  // Notion refuses commas in select option names (they separate options in its UI).
  if (value.includes(',')) throw validationError(`Property "${propertyName}": ${type} option "${value}" contains a comma, which Notion does not allow`);
  return value;
}

function select(value: string | null | undefined, propertyName = DEFAULT_NAME): { select: { name: string } | null } {
  if (value === null || value === undefined || value === '') return { select: null };
  return { select: { name: optionName(value, propertyName, 'select') } };
}

function status(value: string | null | undefined, propertyName = DEFAULT_NAME): { status: { name: string } | null } {
  if (value === null || value === undefined || value === '') return { status: null };
  return { status: { name: optionName(value, propertyName, 'status') } };
}

function multiSelect(value: readonly string[] | null | undefined, propertyName = DEFAULT_NAME): { multi_select: Array<{ name: string }> } {
  const names = unique(asArray(value, propertyName, 'multi_select').map((v) => optionName(v, propertyName, 'multi_select')));
  checkCount(names.length, propertyName, 'multi_select options');
  return { multi_select: names.map((name) => ({ name })) };
}

function date(value: DateInput, propertyName = DEFAULT_NAME): { date: { start: string; end?: string | null; time_zone?: string | null } | null } {
  if (value === null || value === undefined || value === '') return { date: null };
  if (value instanceof Date || typeof value === 'string') return { date: { start: dateString(value, propertyName) } };
  if (typeof value !== 'object' || value.start === undefined || value.start === null) {
    throw validationError(`Property "${propertyName}": expected a date (ISO string, Date or { start, end?, time_zone? }), got ${describeType(value)}`);
  }
  const out: { start: string; end?: string | null; time_zone?: string | null } = { start: dateString(value.start, propertyName) };
  if (value.end !== undefined && value.end !== null) out.end = dateString(value.end, propertyName);
  if (value.time_zone) out.time_zone = value.time_zone;
  return { date: out };
}

function dateString(value: unknown, propertyName: string): string {
  if (value instanceof Date) {
    if (Number.isNaN(value.getTime())) throw validationError(`Property "${propertyName}": invalid Date`);
    return value.toISOString();
  }
  if (typeof value !== 'string' || !/^\d{4}-\d{2}-\d{2}/.test(value) || Number.isNaN(Date.parse(value))) {
    throw validationError(`Property "${propertyName}": expected an ISO 8601 date like 2026-01-02 or 2026-01-02T10:00:00Z, got ${JSON.stringify(value)}`);
  }
  return value;
}

function checkbox(value: boolean | null | undefined, propertyName = DEFAULT_NAME): { checkbox: boolean } {
  // Notion has no empty checkbox: absent means unchecked.
  if (value === null || value === undefined) return { checkbox: false };
  if (typeof value !== 'boolean') throw validationError(`Property "${propertyName}": expected a boolean, got ${describeType(value)}`);
  return { checkbox: value };
}

function limitedString(value: unknown, propertyName: string, type: string, max: number): string | null {
  if (value === null || value === undefined || value === '') return null;
  if (typeof value !== 'string') throw validationError(`Property "${propertyName}": expected ${type} as a string, got ${describeType(value)}`);
  if (value.length > max) throw validationError(`Property "${propertyName}": ${type} of ${value.length} characters exceeds Notion's limit of ${max}`);
  return value;
}

function url(value: string | null | undefined, propertyName = DEFAULT_NAME): { url: string | null } {
  return { url: limitedString(value, propertyName, 'url', MAX_URL_LENGTH) };
}

function email(value: string | null | undefined, propertyName = DEFAULT_NAME): { email: string | null } {
  return { email: limitedString(value, propertyName, 'email', MAX_EMAIL_LENGTH) };
}

function phoneNumber(value: string | null | undefined, propertyName = DEFAULT_NAME): { phone_number: string | null } {
  return { phone_number: limitedString(value, propertyName, 'phone_number', MAX_PHONE_LENGTH) };
}

function relation(value: ReadonlyArray<string | { id: string }> | null | undefined, propertyName = DEFAULT_NAME): { relation: Array<{ id: string }> } {
  const ids = unique(
    asArray(value, propertyName, 'relation').map((v) => {
      const raw = typeof v === 'object' && v !== null ? (v as { id: unknown }).id : v;
      const id = typeof raw === 'string' ? toDashedId(raw) : null;
      if (!id) throw validationError(`Property "${propertyName}": relation target ${JSON.stringify(raw)} is not a Notion page id`);
      return id;
    }),
  );
  checkCount(ids.length, propertyName, 'related pages');
  return { relation: ids.map((id) => ({ id })) };
}

function people(value: readonly string[] | null | undefined, propertyName = DEFAULT_NAME): { people: Array<{ object: 'user'; id: string }> } {
  const ids = unique(
    asArray(value, propertyName, 'people').map((v) => {
      if (typeof v !== 'string' || v === '') throw validationError(`Property "${propertyName}": people entries must be user ids, got ${describeType(v)}`);
      return v;
    }),
  );
  checkCount(ids.length, propertyName, 'people');
  return { people: ids.map((id) => ({ object: 'user', id })) };
}

function files(value: readonly FileInput[] | null | undefined, propertyName = DEFAULT_NAME): { files: Array<{ name: string; external: { url: string } }> } {
  const list = asArray(value, propertyName, 'files').map((f) => {
    if (!f || typeof f !== 'object' || typeof f.url !== 'string' || f.url === '') {
      throw validationError(`Property "${propertyName}": each file needs a url, got ${describeType(f)}`);
    }
    if (f.type === 'file') {
      // Notion-hosted URLs expire within the hour; writing one back as a link would break later.
      throw validationError(`Property "${propertyName}": file "${f.name ?? f.url}" is hosted by Notion and cannot be written back by URL; upload it or use an external link`);
    }
    limitedString(f.url, propertyName, 'file url', MAX_URL_LENGTH);
    return { name: f.name || fileNameFromUrl(f.url), external: { url: f.url } };
  });
  checkCount(list.length, propertyName, 'files');
  return { files: list };
}

function place(value: PlaceInput, propertyName = DEFAULT_NAME): { place: { lat: number; lon: number; name?: string | null; address?: string | null } | null } {
  if (value === null || value === undefined) return { place: null };
  if (typeof value !== 'object' || !Number.isFinite(value.lat) || !Number.isFinite(value.lon)) {
    throw validationError(`Property "${propertyName}": expected a place { lat, lon, name?, address? } with numeric lat/lon`);
  }
  const out: { lat: number; lon: number; name?: string | null; address?: string | null } = { lat: value.lat, lon: value.lon };
  if (value.name !== undefined) out.name = value.name;
  if (value.address !== undefined) out.address = value.address;
  return { place: out };
}

function verification(value: VerificationInput, propertyName = DEFAULT_NAME): { verification: { state: 'verified'; date?: { start: string; end?: string | null; time_zone?: string | null } } | { state: 'unverified' } } {
  if (value === null || value === undefined || value.state === 'unverified') return { verification: { state: 'unverified' } };
  if (value.state !== 'verified') {
    throw validationError(`Property "${propertyName}": verification state "${String(value.state)}" cannot be written; use "verified" or "unverified"`);
  }
  const d = date(value.date, propertyName).date;
  return { verification: d ? { state: 'verified', date: d } : { state: 'verified' } };
}

/** Assembles a request `properties` object; undefined entries (fields not to touch) are left out. */
function properties(values: Record<string, PropertyRequest | undefined>): Record<string, PropertyRequest> {
  const out: Record<string, PropertyRequest> = {};
  for (const [name, value] of Object.entries(values)) if (value !== undefined) out[name] = value;
  return out;
}

/** Build.<type>(value, propertyName?) → request value. The name only appears in error messages. */
export const Build = Object.freeze({
  title,
  rich_text: richText,
  number,
  select,
  multi_select: multiSelect,
  status,
  date,
  checkbox,
  url,
  email,
  phone_number: phoneNumber,
  relation,
  people,
  files,
  place,
  verification,
  properties,
});

export type WritablePropertyType = Exclude<keyof typeof Build, 'properties'>;
export const WRITABLE_PROPERTY_TYPES = Object.keys(Build).filter((k) => k !== 'properties') as WritablePropertyType[];

/** Generic builder for descriptor-driven code: the value is checked at run time. */
export function buildValue(type: WritablePropertyType, value: unknown, propertyName: string): PropertyRequest {
  const builder = (Build as unknown as Record<string, ((v: unknown, name: string) => PropertyRequest) | undefined>)[type];
  if (!builder || type === ('properties' as string)) {
    throw validationError(`Property "${propertyName}": type "${type}" cannot be written through the API`);
  }
  return builder(value, propertyName);
}

// ---------------------------------------------------------------------------------------------

function asArray<T>(value: readonly T[] | null | undefined, propertyName: string, type: string): readonly T[] {
  if (value === null || value === undefined) return [];
  if (!Array.isArray(value)) throw validationError(`Property "${propertyName}": expected an array for ${type}, got ${describeType(value)}`);
  return value;
}

function checkCount(count: number, propertyName: string, what: string): void {
  if (count > MAX_ARRAY_ITEMS) {
    throw validationError(`Property "${propertyName}": ${count} ${what} exceed Notion's limit of ${MAX_ARRAY_ITEMS} per request; nothing was truncated — reduce the list`);
  }
}

function unique<T>(items: readonly T[]): T[] {
  return [...new Set(items)];
}

function fileNameFromUrl(u: string): string {
  try {
    const last = new URL(u).pathname.split('/').filter(Boolean).pop();
    return last ? decodeURIComponent(last).slice(0, 100) : u.slice(0, 100);
  } catch {
    return u.slice(0, 100);
  }
}

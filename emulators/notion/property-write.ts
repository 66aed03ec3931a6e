/**
 * Page property writes (pages.create / pages.update value shapes): validation with Notion-style
 * messages and conversion to the stored form. Nothing is mutated here; select options created on the
 * fly are collected in `pendingOptions` and committed by the caller only if the whole write is valid.
 */
import { bodyInvalid, tooLong, validation } from './errors.ts';
import type { IdGenerator } from './ids.ts';
import { normalizeId } from './ids.ts';
import { LIMITS, parseRichText } from './rich-text.ts';
import { checkOptionName, COMPUTED_TYPES, nextColor, PROPERTY_TYPES, type PropertySchema, type SelectOption } from './schema.ts';

export interface WriteContext {
  ids: IdGenerator;
  /** Options created by this write, per property id; committed after the whole write validates. */
  pendingOptions: Map<string, SelectOption[]>;
  /** Whether `pageId` is a page of data source `dataSourceId` (relation targets must exist). */
  isPageOf(pageId: string, dataSourceId: string): boolean;
}

const isObject = (v: unknown): v is Record<string, any> => typeof v === 'object' && v !== null && !Array.isArray(v);
const DATE_ONLY = /^\d{4}-\d{2}-\d{2}$/;
const DATE_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,6})?)?(Z|[+-]\d{2}:?\d{2})?$/;

export function isValidDateString(s: unknown): s is string {
  return typeof s === 'string' && (DATE_ONLY.test(s) || DATE_TIME.test(s)) && !Number.isNaN(Date.parse(s));
}

/** Converts one write-shape value (`{ [type]: v }`) for `prop` to its stored form. */
export function convertWrite(prop: PropertySchema, value: unknown, path: string, ctx: WriteContext): any {
  if (!isObject(value)) throw bodyInvalid(path, 'an object', value);
  const named = typeof value.type === 'string' ? value.type : Object.keys(value).find((k) => PROPERTY_TYPES.has(k));
  if (named !== prop.type || !(prop.type in value)) {
    throw validation(`${prop.name} is expected to be ${prop.type}.`);
  }
  if (COMPUTED_TYPES.has(prop.type)) {
    throw validation(`Cannot update property "${prop.name}": ${prop.type} properties are computed and read-only.`);
  }
  const v = value[prop.type];
  const at = `${path}.${prop.type}`;
  switch (prop.type) {
    case 'title':
    case 'rich_text':
      return parseRichText(v, at);
    case 'number':
      if (v === null) return null;
      if (typeof v !== 'number' || !Number.isFinite(v)) throw bodyInvalid(at, 'a number or `null`', v);
      return v;
    case 'checkbox':
      if (typeof v !== 'boolean') throw bodyInvalid(at, 'a boolean', v);
      return v;
    case 'url':
      return nullableString(v, at, LIMITS.url);
    case 'email':
    case 'phone_number':
      return nullableString(v, at, LIMITS.emailOrPhone);
    case 'select':
    case 'status':
      if (v === null) return null;
      return resolveOption(prop, v, at, ctx);
    case 'multi_select': {
      if (!Array.isArray(v)) throw bodyInvalid(at, 'an array', v);
      if (v.length > LIMITS.array) throw tooLong(at, LIMITS.array, v.length);
      const ids = v.map((o, i) => resolveOption(prop, o, `${at}[${i}]`, ctx));
      return [...new Set(ids)];
    }
    case 'date':
      return convertDate(v, at);
    case 'relation': {
      if (!Array.isArray(v)) throw bodyInvalid(at, 'an array', v);
      if (v.length > LIMITS.array) throw tooLong(at, LIMITS.array, v.length);
      const target = prop.relation!.dataSourceId;
      const ids = v.map((r, i) => {
        const id = normalizeId(isObject(r) ? r.id : undefined);
        if (!id) throw bodyInvalid(`${at}[${i}].id`, 'a valid uuid', isObject(r) ? r.id : r);
        // UNCERTAIN: Notion's exact error for a relation to a page outside the target data source.
        if (!ctx.isPageOf(id, target)) {
          throw validation(`${at}[${i}].id: page ${id} is not in the related data source ${target}.`);
        }
        return id;
      });
      return [...new Set(ids)];
    }
    case 'people': {
      if (!Array.isArray(v)) throw bodyInvalid(at, 'an array', v);
      if (v.length > LIMITS.array) throw tooLong(at, LIMITS.array, v.length);
      const ids = v.map((u, i) => {
        const id = normalizeId(isObject(u) ? u.id : undefined);
        if (!id) throw bodyInvalid(`${at}[${i}].id`, 'a valid uuid', isObject(u) ? u.id : u);
        return id;
      });
      return [...new Set(ids)];
    }
    case 'files':
      return convertFiles(v, at);
    case 'place':
      if (v === null) return null;
      if (!isObject(v) || typeof v.lat !== 'number' || typeof v.lon !== 'number') throw bodyInvalid(at, 'an object with numeric `lat` and `lon`', v);
      return { ...v };
    case 'verification':
      if (!isObject(v) || (v.state !== 'verified' && v.state !== 'unverified')) throw bodyInvalid(`${at}.state`, '`verified` or `unverified`', v?.state);
      return v.state === 'verified'
        ? { state: 'verified', date: v.date ? convertDate(v.date, `${at}.date`) : null, verified_by: null }
        : { state: 'unverified', date: null, verified_by: null };
  }
  throw validation(`Property type ${prop.type} is not supported by the emulator.`);
}

function nullableString(v: unknown, at: string, max: number): string | null {
  if (v === null) return null;
  if (typeof v !== 'string') throw bodyInvalid(at, 'a string or `null`', v);
  if (v.length > max) throw tooLong(at, max, v.length);
  return v;
}

function convertDate(v: unknown, at: string) {
  if (v === null) return null;
  if (!isObject(v)) throw bodyInvalid(at, 'an object or `null`', v);
  if (!isValidDateString(v.start)) throw bodyInvalid(`${at}.start`, 'a valid ISO 8601 date string', v.start);
  if (v.end !== undefined && v.end !== null && !isValidDateString(v.end)) throw bodyInvalid(`${at}.end`, 'a valid ISO 8601 date string or `null`', v.end);
  if (v.time_zone !== undefined && v.time_zone !== null && typeof v.time_zone !== 'string') throw bodyInvalid(`${at}.time_zone`, 'a string or `null`', v.time_zone);
  return { start: v.start as string, end: (v.end ?? null) as string | null, time_zone: (v.time_zone ?? null) as string | null };
}

function convertFiles(v: unknown, at: string) {
  if (!Array.isArray(v)) throw bodyInvalid(at, 'an array', v);
  if (v.length > LIMITS.array) throw tooLong(at, LIMITS.array, v.length);
  return v.map((f, i) => {
    const p = `${at}[${i}]`;
    if (!isObject(f)) throw bodyInvalid(p, 'an object', f);
    if (isObject(f.external)) {
      if (typeof f.external.url !== 'string') throw bodyInvalid(`${p}.external.url`, 'a string', f.external.url);
      if (f.external.url.length > LIMITS.url) throw tooLong(`${p}.external.url`, LIMITS.url, f.external.url.length);
      return { name: typeof f.name === 'string' ? f.name : f.external.url, type: 'external', external: { url: f.external.url } };
    }
    if (isObject(f.file_upload) && typeof f.file_upload.id === 'string') {
      // Uploaded files read back as Notion-hosted files with an expiring URL.
      const url = `https://prod-files-secure.s3.us-west-2.amazonaws.com/emulator/${f.file_upload.id}`;
      return { name: typeof f.name === 'string' ? f.name : f.file_upload.id, type: 'file', file: { url } };
    }
    if (isObject(f.file) && typeof f.file.url === 'string') {
      return { name: typeof f.name === 'string' ? f.name : f.file.url, type: 'file', file: { url: f.file.url } };
    }
    throw bodyInvalid(p, 'an object with `external` or `file_upload`', f);
  });
}

/**
 * Select/multi-select values may name a new option: it is created (UNCERTAIN: color choice, see
 * nextColor). Status values must name an existing option.
 */
function resolveOption(prop: PropertySchema, v: unknown, at: string, ctx: WriteContext): string {
  if (!isObject(v)) throw bodyInvalid(at, 'an object', v);
  const pending = ctx.pendingOptions.get(prop.id) ?? [];
  const all = [...prop.options!, ...pending];
  if (v.id !== undefined) {
    const byId = all.find((o) => o.id === v.id);
    if (!byId) throw validation(`${at}.id: option ${JSON.stringify(v.id)} does not exist for property "${prop.name}".`);
    return byId.id;
  }
  if (typeof v.name !== 'string') throw bodyInvalid(`${at}.name`, 'a string', v.name);
  const name = v.name;
  const found = all.find((o) => o.name === name);
  if (found) return found.id;
  if (prop.type === 'status') throw validation(`Invalid status option. Status option "${name}" does not exist for property "${prop.name}".`);
  checkOptionName(name, `${at}.name`);
  const option: SelectOption = {
    id: ctx.ids.uuid(),
    name,
    color: typeof v.color === 'string' ? v.color : nextColor(all.length),
    description: null,
  };
  pending.push(option);
  ctx.pendingOptions.set(prop.id, pending);
  return option.id;
}

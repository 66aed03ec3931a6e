/** Rich text: request items are validated against Notion's request limits and stored in read shape. */
import { bodyInvalid, tooLong } from './errors.ts';
import { compactId, normalizeId } from './ids.ts';

export const LIMITS = {
  textContent: 2000,
  url: 2000,
  equation: 1000,
  array: 100,
  emailOrPhone: 200,
} as const;

const COLORS = new Set([
  'default', 'gray', 'brown', 'orange', 'yellow', 'green', 'blue', 'purple', 'pink', 'red',
  'default_background', 'gray_background', 'brown_background', 'orange_background', 'yellow_background',
  'green_background', 'blue_background', 'purple_background', 'pink_background', 'red_background',
]);

const ANNOTATION_FLAGS = ['bold', 'italic', 'strikethrough', 'underline', 'code'] as const;

export interface RichTextItem {
  type: 'text' | 'mention' | 'equation';
  text?: { content: string; link: { url: string } | null };
  mention?: Record<string, any>;
  equation?: { expression: string };
  annotations: { bold: boolean; italic: boolean; strikethrough: boolean; underline: boolean; code: boolean; color: string };
  plain_text: string;
  href: string | null;
}

const isObject = (v: unknown): v is Record<string, any> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Validates a rich-text request array at `path` (e.g. "body.properties.Name.title") and returns read-shape items. */
export function parseRichText(value: unknown, path: string): RichTextItem[] {
  if (!Array.isArray(value)) throw bodyInvalid(path, 'an array', value);
  if (value.length > LIMITS.array) throw tooLong(path, LIMITS.array, value.length);
  return value.map((item, i) => parseItem(item, `${path}[${i}]`));
}

function parseItem(item: unknown, path: string): RichTextItem {
  if (!isObject(item)) throw bodyInvalid(path, 'an object', item);
  const annotations = parseAnnotations(item.annotations, `${path}.annotations`);
  if (item.text !== undefined || item.type === 'text') {
    const text = item.text;
    if (!isObject(text)) throw bodyInvalid(`${path}.text`, 'an object', text);
    if (typeof text.content !== 'string') throw bodyInvalid(`${path}.text.content`, 'a string', text.content);
    if (text.content.length > LIMITS.textContent) throw tooLong(`${path}.text.content`, LIMITS.textContent, text.content.length);
    let link: { url: string } | null = null;
    if (text.link !== undefined && text.link !== null) {
      if (!isObject(text.link) || typeof text.link.url !== 'string') throw bodyInvalid(`${path}.text.link.url`, 'a string', text.link);
      if (text.link.url.length > LIMITS.url) throw tooLong(`${path}.text.link.url`, LIMITS.url, text.link.url.length);
      link = { url: text.link.url };
    }
    return { type: 'text', text: { content: text.content, link }, annotations, plain_text: text.content, href: link?.url ?? null };
  }
  if (item.equation !== undefined || item.type === 'equation') {
    const expression = item.equation?.expression;
    if (typeof expression !== 'string') throw bodyInvalid(`${path}.equation.expression`, 'a string', expression);
    if (expression.length > LIMITS.equation) throw tooLong(`${path}.equation.expression`, LIMITS.equation, expression.length);
    return { type: 'equation', equation: { expression }, annotations, plain_text: expression, href: null };
  }
  if (item.mention !== undefined || item.type === 'mention') {
    return parseMention(item.mention, `${path}.mention`, annotations);
  }
  throw bodyInvalid(path, 'an object with one of `text`, `mention` or `equation`', item);
}

/** Mentions are kept minimal: user, page, database and date. Plain text of page mentions is "Untitled" (no lookup). */
function parseMention(m: unknown, path: string, annotations: RichTextItem['annotations']): RichTextItem {
  if (!isObject(m)) throw bodyInvalid(path, 'an object', m);
  for (const kind of ['user', 'page', 'database'] as const) {
    if (m[kind] === undefined) continue;
    const id = normalizeId(m[kind]?.id);
    if (!id) throw bodyInvalid(`${path}.${kind}.id`, 'a valid uuid', m[kind]?.id);
    const mention = kind === 'user' ? { type: 'user', user: { object: 'user', id } } : { type: kind, [kind]: { id } };
    const plain = kind === 'user' ? '@Anonymous' : 'Untitled';
    const href = kind === 'user' ? null : `https://www.notion.so/${compactId(id)}`;
    return { type: 'mention', mention, annotations, plain_text: plain, href };
  }
  if (isObject(m.date) && typeof m.date.start === 'string') {
    const date = { start: m.date.start, end: m.date.end ?? null, time_zone: m.date.time_zone ?? null };
    const plain = date.end ? `${date.start} → ${date.end}` : date.start;
    return { type: 'mention', mention: { type: 'date', date }, annotations, plain_text: plain, href: null };
  }
  throw bodyInvalid(path, 'an object with one of `user`, `page`, `database` or `date`', m);
}

/** Shared by every item without annotations: stored values are never mutated, and 100k pages stay small. */
const DEFAULT_ANNOTATIONS: RichTextItem['annotations'] = Object.freeze({
  bold: false, italic: false, strikethrough: false, underline: false, code: false, color: 'default',
}) as RichTextItem['annotations'];

function parseAnnotations(a: unknown, path: string): RichTextItem['annotations'] {
  if (a === undefined) return DEFAULT_ANNOTATIONS;
  const out = { ...DEFAULT_ANNOTATIONS };
  if (!isObject(a)) throw bodyInvalid(path, 'an object', a);
  for (const flag of ANNOTATION_FLAGS) {
    if (a[flag] === undefined) continue;
    if (typeof a[flag] !== 'boolean') throw bodyInvalid(`${path}.${flag}`, 'a boolean', a[flag]);
    out[flag] = a[flag];
  }
  if (a.color !== undefined) {
    if (typeof a.color !== 'string' || !COLORS.has(a.color)) throw bodyInvalid(`${path}.color`, 'a valid color', a.color);
    out.color = a.color;
  }
  return out;
}

export function plainText(items: readonly RichTextItem[] | undefined): string {
  if (!items || items.length === 0) return '';
  if (items.length === 1) return items[0].plain_text;
  let s = '';
  for (const it of items) s += it.plain_text;
  return s;
}

/** Plain text → one read-shape item (used for titles of databases/data sources). */
export function textItems(content: string): RichTextItem[] {
  if (!content) return [];
  return [parseItem({ text: { content } }, 'title')];
}

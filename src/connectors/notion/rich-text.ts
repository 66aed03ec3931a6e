/**
 * Plain strings ⇄ Notion rich text. Notion caps each text object at 2,000 characters — counted in
 * UTF-16 code units, like JS string length — and a rich-text array at 100 objects, so a long
 * Postgres text becomes several objects, and one over ~200,000 characters cannot be written.
 */
import { validationError } from './errors.ts';

export const MAX_TEXT_CONTENT_LENGTH = 2000;
export const MAX_RICH_TEXT_ITEMS = 100;

export interface TextRichTextRequest {
  type: 'text';
  text: { content: string };
}

/** What a rich-text item can look like when read (plain_text) or as we wrote it (text.content). */
export interface RichTextLike {
  plain_text?: string;
  text?: { content?: string } | null;
}

/** Concatenated plain text; mentions and equations contribute their plain_text. '' when empty. */
export function plainText(items: readonly RichTextLike[] | null | undefined): string {
  if (!items) return '';
  let out = '';
  for (const item of items) out += item.plain_text ?? item.text?.content ?? '';
  return out;
}

const graphemes = new Intl.Segmenter(undefined, { granularity: 'grapheme' });
/**
 * Context segmented around each cut. V8's segment iterator is quadratic on long strings
 * (200k characters took ~50 s), so only this window is segmented; real graphemes (ZWJ emoji,
 * flags, combining marks) are far shorter.
 */
const CUT_WINDOW = 64;

/**
 * Splits text into pieces of at most `max` UTF-16 code units (Notion's count). Cuts fall on
 * grapheme boundaries (an emoji with skin tone or ZWJ stays whole) and never inside a surrogate
 * pair, which would reach Notion as U+FFFD. A grapheme longer than the window is cut on a
 * code-point boundary.
 */
export function splitText(text: string, max = MAX_TEXT_CONTENT_LENGTH): string[] {
  const chunks: string[] = [];
  let start = 0;
  while (text.length - start > max) {
    const cut = cutPoint(text, start, start + max);
    chunks.push(text.slice(start, cut));
    start = cut;
  }
  if (start < text.length) chunks.push(text.slice(start));
  return chunks;
}

/** The last grapheme boundary in (start, limit], else the last code-point boundary. */
function cutPoint(text: string, start: number, limit: number): number {
  const windowStart = Math.max(start, limit - CUT_WINDOW);
  let best = -1;
  for (const { index } of graphemes.segment(text.slice(windowStart, limit + CUT_WINDOW))) {
    // index 0 is only the window's edge, not necessarily a real boundary.
    if (index === 0) continue;
    const boundary = windowStart + index;
    if (boundary > limit) break;
    best = boundary;
  }
  if (best > start) return best;
  return isHighSurrogate(text.charCodeAt(limit - 1)) && limit - 1 > start ? limit - 1 : limit;
}

function isHighSurrogate(code: number): boolean {
  return code >= 0xd800 && code <= 0xdbff;
}

/** A string as a writable rich-text array: [] for '' or null; refuses what Notion cannot hold. */
export function toRichText(value: string | null | undefined, propertyName: string): TextRichTextRequest[] {
  if (value === null || value === undefined || value === '') return [];
  if (typeof value !== 'string') {
    throw validationError(`Property "${propertyName}": expected text, got ${describeType(value)}`);
  }
  const tooLong = () =>
    validationError(
      `Property "${propertyName}": text of ${value.length} characters exceeds Notion's limit of ${MAX_RICH_TEXT_ITEMS} text objects × ` +
        `${MAX_TEXT_CONTENT_LENGTH} characters (about ${MAX_RICH_TEXT_ITEMS * MAX_TEXT_CONTENT_LENGTH} characters); shorten it or keep it out of Notion — it is never truncated`,
    );
  // Fast refusal without segmenting: every chunk holds at most MAX_TEXT_CONTENT_LENGTH units.
  if (value.length > MAX_RICH_TEXT_ITEMS * MAX_TEXT_CONTENT_LENGTH) throw tooLong();
  const chunks = splitText(value);
  if (chunks.length > MAX_RICH_TEXT_ITEMS) throw tooLong();
  return chunks.map((content) => ({ type: 'text', text: { content } }));
}

export function describeType(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (value instanceof Date) return 'a Date';
  return typeof value === 'object' ? 'an object' : `a ${typeof value}`;
}

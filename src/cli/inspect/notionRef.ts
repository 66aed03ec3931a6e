/**
 * What `jarvis-sync inspect` accepts as its argument: a database id (32 hex digits, dashes
 * optional) or the link Notion's "Copy link" gives, in any of its forms:
 *
 *   https://www.notion.so/acme/Recipes-0123456789abcdef0123456789abcdef?v=fedcba…   (workspace slug, title prefix, view)
 *   https://www.notion.so/0123456789abcdef0123456789abcdef?v=…                        (neither)
 *   notion.so/Recipes-0123…   www.notion.so/…   https://acme.notion.site/…   https://notion.com/…
 *
 * The database id is the one that ends the path; `?v=` (the view) and `?p=` (a page opened over
 * the database) carry other ids and are ignored.
 */
import { toDashedId } from '../../connectors/notion/index.ts';
import { UsageError } from '../args.ts';

const NOTION_HOST = /(^|\.)notion\.(so|site|com)$/;
const TRAILING_ID = /([0-9a-f]{32}|[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})$/i;

/** The dashed database (or data source) id named by `value`, or a UsageError saying what is expected. */
export function databaseIdFromArgument(value: string | undefined): string {
  const bad = (why: string) =>
    new UsageError(
      `inspect needs a Notion database id or link${why}: 32 hex digits (dashes optional) or a URL such as https://www.notion.so/<workspace>/<Title>-<id>?v=<view>`,
    );
  if (value === undefined || value.trim() === '') throw bad('');
  const raw = value.trim();
  const bare = toDashedId(raw);
  if (bare) return bare;
  const url = parseUrl(raw);
  if (!url) throw bad(` (got "${raw}")`);
  if (!NOTION_HOST.test(url.hostname.toLowerCase())) throw bad(` (got a link to ${url.hostname}, not notion.so)`);
  const last = url.pathname.split('/').filter(Boolean).at(-1) ?? '';
  const id = TRAILING_ID.exec(last)?.[1];
  const dashed = id ? toDashedId(id) : null;
  if (!dashed) throw bad(` (the link "${raw}" ends in no id)`);
  return dashed;
}

/** A URL, with https:// assumed when the scheme is left out (notion.so/…); null when it is not one. */
function parseUrl(raw: string): URL | null {
  if (/\s/.test(raw)) return null;
  const withScheme = /^[a-z][a-z0-9+.-]*:\/\//i.test(raw) ? raw : /^[a-z0-9-]+(\.[a-z0-9-]+)+\//i.test(raw) ? `https://${raw}` : null;
  if (!withScheme) return null;
  try {
    const url = new URL(withScheme);
    return url.protocol === 'https:' || url.protocol === 'http:' ? url : null;
  } catch {
    return null;
  }
}

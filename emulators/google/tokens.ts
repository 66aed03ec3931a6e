/**
 * Page and sync tokens are stateless: base64url JSON with a kind prefix. They carry the change
 * sequence they were cut at, when they were issued and a fingerprint of the query, so the emulator
 * can tell an expired or mismatched token from a valid one without remembering anything.
 */
import { sha1 } from './ids.ts';

export function encodeToken(prefix: string, payload: object): string {
  return prefix + Buffer.from(JSON.stringify(payload)).toString('base64url');
}

/** The payload, or null when the token is not one of ours (wrong prefix, not base64/JSON). */
export function decodeToken<T extends object>(prefix: string, raw: string | null | undefined): T | null {
  if (!raw || !raw.startsWith(prefix)) return null;
  try {
    const v = JSON.parse(Buffer.from(raw.slice(prefix.length), 'base64url').toString('utf8'));
    return typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as T) : null;
  } catch {
    return null;
  }
}

/** A short stable hash of the parts of a query that must not change between pages. */
export function fingerprint(parts: unknown[]): string {
  return sha1(JSON.stringify(parts)).toString('base64url').slice(0, 12);
}

/** Compares keyset positions (arrays of numbers/strings) lexicographically. */
export function compareKeys(a: ReadonlyArray<number | string>, b: ReadonlyArray<number | string>): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a[i]!;
    const y = b[i]!;
    if (x === y) continue;
    if (typeof x === 'number' && typeof y === 'number') return x < y ? -1 : 1;
    return String(x) < String(y) ? -1 : 1;
  }
  return a.length - b.length;
}

/** Index of the first item whose key is greater than `after` (items sorted by key). */
export function firstAfter<T>(items: T[], key: (t: T) => ReadonlyArray<number | string>, after: ReadonlyArray<number | string> | undefined): number {
  if (!after) return 0;
  let lo = 0;
  let hi = items.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (compareKeys(key(items[mid]!), after) <= 0) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** A tiny LRU for computed result lists (one per pagination pass). */
export class ResultCache<T> {
  private map = new Map<string, T>();
  constructor(private readonly size = 16) {}
  get(key: string, compute: () => T): T {
    const hit = this.map.get(key);
    if (hit !== undefined) {
      this.map.delete(key);
      this.map.set(key, hit);
      return hit;
    }
    const v = compute();
    this.map.set(key, v);
    if (this.map.size > this.size) this.map.delete(this.map.keys().next().value!);
    return v;
  }
  clear(): void {
    this.map.clear();
  }
}

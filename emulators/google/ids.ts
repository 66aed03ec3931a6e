/** Deterministic ids, etags and PRNGs: seeds, benchmarks and fault campaigns replay identically. */
import { createHash } from 'node:crypto';

/** mulberry32: tiny, fast, seedable; good enough for ids and fault dice. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function sha1(s: string): Buffer {
  return createHash('sha1').update(s).digest();
}

const BASE32HEX = '0123456789abcdefghijklmnopqrstuv';

/** A Calendar-style event id: lowercase base32hex (a-v, 0-9), 26 characters, derived from `name`. */
export function eventIdFrom(name: string): string {
  const h = createHash('sha256').update(`gcal:${name}`).digest();
  let out = '';
  for (let i = 0; i < 26; i++) out += BASE32HEX[h[i]! % 32];
  return out;
}

/** Person etag ("%…") and contact-source etag ("#…"): opaque, new for every version. */
export function personEtag(resourceName: string, version: number): string {
  return '%' + sha1(`person:${resourceName}:${version}`).toString('base64').slice(0, 24);
}
export function sourceEtag(resourceName: string, version: number): string {
  return '#' + sha1(`source:${resourceName}:${version}`).toString('base64').slice(0, 12);
}

/** A quoted numeric etag like Calendar's ("\"3512345678901234\""). */
export function calendarEtag(updatedMs: number, seq: number): string {
  return `"${updatedMs * 2000 + (seq % 2000)}"`;
}

/** Ids handed out in order from their own PRNG (so creating objects never shifts the fault dice). */
export class IdSource {
  private readonly rand: () => number;
  constructor(seed: number) {
    this.rand = seededRandom(seed);
  }
  /** Integer in [lo, hi]. */
  int(lo: number, hi: number): number {
    return lo + Math.floor(this.rand() * (hi - lo + 1));
  }
  /** n decimal digits, no leading zero. */
  digits(n: number): string {
    let s = String(this.int(1, 9));
    while (s.length < n) s += String(this.int(0, 9));
    return s;
  }
}

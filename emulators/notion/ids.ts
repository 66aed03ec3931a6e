/** Ids: Notion accepts them with or without dashes, any case, and always answers dashed lowercase. */

const COMPACT = /^[0-9a-f]{32}$/;

/** Dashed lowercase uuid, or null when `raw` is not a uuid (with or without dashes). */
export function normalizeId(raw: unknown): string | null {
  if (typeof raw !== 'string') return null;
  const compact = raw.trim().toLowerCase().replace(/-/g, '');
  if (!COMPACT.test(compact)) return null;
  return `${compact.slice(0, 8)}-${compact.slice(8, 12)}-${compact.slice(12, 16)}-${compact.slice(16, 20)}-${compact.slice(20)}`;
}

export function compactId(id: string): string {
  return id.replace(/-/g, '');
}

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

/**
 * Deterministic v4-shaped uuids, so seeds, benchmarks and fault campaigns are reproducible run to run.
 * Uses its own PRNG so fault dice are not shifted by how many objects were created.
 */
export class IdGenerator {
  private readonly rand: () => number;
  constructor(seed = 0x5eed) {
    this.rand = seededRandom(seed);
  }
  uuid(): string {
    let hex = '';
    for (let i = 0; i < 4; i++) hex += Math.floor(this.rand() * 0x100000000).toString(16).padStart(8, '0');
    const variant = ((parseInt(hex[16], 16) & 0x3) | 0x8).toString(16);
    return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-${variant}${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
  }
  /**
   * A short property id like Notion's ("M%3BBw", "BJXS"): four characters, some of them punctuation,
   * URL-encoded. Realistic on purpose, so clients that forget to handle encoded ids fail here too.
   */
  propertyId(taken: (id: string) => boolean): string {
    const chars = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789;:[]^`{|}~';
    for (;;) {
      let raw = '';
      for (let i = 0; i < 4; i++) raw += chars[Math.floor(this.rand() * chars.length)];
      const id = encodeURIComponent(raw);
      if (id !== 'title' && !taken(id)) return id;
    }
  }
}

/** Property ids compare equal whether or not a path segment was decoded along the way. */
export function samePropertyId(a: string, b: string): boolean {
  return a === b || safeDecode(a) === safeDecode(b);
}

export function safeDecode(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}

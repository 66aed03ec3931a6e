/**
 * sync_logs rows are readable by anyone with database access (in Supabase, possibly via its API),
 * so nothing secret may reach them: keys that name a credential are dropped, and string values
 * that look like one are masked.
 */
const SECRET_KEY = /token|authorization|password|passwd|secret|api[_-]?key|cookie|credential|private[_-]?key|database[_-]?url|connection[_-]?string/i;
const SECRET_VALUE: Array<[RegExp, string]> = [
  [/\b(secret_|ntn_)[A-Za-z0-9]{20,}/g, '[redacted]'], // Notion integration tokens
  [/\bya29\.[\w-]{10,}/g, '[redacted]'], // Google OAuth access tokens
  [/\b1\/\/[\w-]{20,}/g, '[redacted]'], // Google refresh tokens
  [/\bBearer\s+[\w.~+/-]+=*/gi, 'Bearer [redacted]'],
  [/(\b[a-z][a-z0-9+.-]*:\/\/[^:/?#\s@]*:)[^@\s/]+@/gi, '$1[redacted]@'], // password in a URL
];
const MAX_DEPTH = 12;

/** Masks credential-looking substrings of a string (tokens, passwords in URLs). */
export function redactString(text: string): string {
  let out = text;
  for (const [pattern, replacement] of SECRET_VALUE) out = out.replace(pattern, replacement);
  return out;
}

/** A JSON-safe deep copy of `value` without secrets. Errors become {name, message}; cycles are cut. */
export function redactSecrets<T>(value: T): T {
  return walk(value, 0, new WeakSet()) as T;
}

function walk(value: unknown, depth: number, seen: WeakSet<object>): unknown {
  if (typeof value === 'string') return redactString(value);
  if (typeof value === 'bigint') return value.toString();
  if (value === null || typeof value !== 'object') return typeof value === 'function' || typeof value === 'symbol' ? undefined : value;
  if (value instanceof Date) return value;
  if (depth >= MAX_DEPTH) return '[too deep]';
  if (seen.has(value)) return '[circular]';
  seen.add(value);
  try {
    if (value instanceof Error) {
      const code = (value as { code?: unknown }).code;
      return { name: value.name, message: redactString(value.message), ...(code !== undefined ? { code } : {}) };
    }
    if (Array.isArray(value)) return value.map((v) => walk(v, depth + 1, seen));
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) {
      if (SECRET_KEY.test(k)) continue;
      const w = walk(v, depth + 1, seen);
      if (w !== undefined) out[k] = w;
    }
    return out;
  } finally {
    seen.delete(value); // only ancestors count as cycles; shared references are fine
  }
}

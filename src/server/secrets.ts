/**
 * What the API must never show: the configured credentials, wherever they might have ended up (a
 * sync_logs row written by another tool, an error message). Patterns (redactSecrets) catch tokens
 * by their look; this catches the exact configured values, whatever they look like.
 */
import type { Config } from '../config/index.ts';
import { redactSecrets } from '../store/index.ts';

export function configuredSecrets(config: Config): string[] {
  const values = [
    config.server.apiToken,
    config.notion.token,
    config.google.credentials?.clientSecret,
    config.google.credentials?.refreshToken,
    config.webhooks.notionVerificationToken,
    config.webhooks.googleChannelToken,
    passwordOf(config.database.url),
  ];
  // Very short values would mask ordinary words; no real credential is that short.
  return [...new Set(values.filter((v): v is string => typeof v === 'string' && v.length >= 6))].sort((a, b) => b.length - a.length);
}

/** A JSON-safe copy of `value` with credential-like keys dropped and every known secret masked. */
export function maskSecrets<T>(value: T, secrets: string[]): T {
  return mask(redactSecrets(value), secrets) as T;
}

function mask(value: unknown, secrets: string[]): unknown {
  if (typeof value === 'string') {
    let out = value;
    for (const s of secrets) if (out.includes(s)) out = out.split(s).join('[redacted]');
    return out;
  }
  if (Array.isArray(value)) return value.map((v) => mask(v, secrets));
  if (value && typeof value === 'object' && !(value instanceof Date)) {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [mask(k, secrets), mask(v, secrets)]));
  }
  return value;
}

function passwordOf(url: string | null): string | undefined {
  if (!url) return undefined;
  try {
    const p = new URL(url).password;
    return p ? decodeURIComponent(p) : undefined;
  } catch {
    return undefined;
  }
}

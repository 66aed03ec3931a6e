/**
 * Identity keys for people: the same person must never become two records, so emails and phones
 * are compared in a normal form. Pure.
 */
import { parsePhoneNumberFromString } from 'libphonenumber-js';

/** Emails compare case-insensitively (no provider treats them otherwise in practice). */
export function normalizeEmail(value: string | null | undefined): string | null {
  const v = value?.trim().toLowerCase();
  return v ? v : null;
}

/**
 * E.164 (+442079460958) where the number is parseable — it carries its country code (+ or 00);
 * otherwise the number as written, trimmed. A national number without a country cannot be
 * normalized safely, so it is kept rather than guessed.
 */
export function normalizePhone(value: string | null | undefined): string | null {
  const v = value?.trim();
  if (!v) return null;
  const parsed = parsePhoneNumberFromString(v.startsWith('00') ? `+${v.slice(2)}` : v);
  return parsed?.isPossible() ? parsed.number : v;
}

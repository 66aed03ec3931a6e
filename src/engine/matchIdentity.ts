/**
 * Finding the same person across systems before creating anything: an unlinked record is matched
 * by normalized email first, then by phone (E.164). Pure.
 */
import type { FieldDef } from '../datasets/types.ts';
import { normalizeEmail, normalizePhone } from './identity.ts';

export type IdentityKind = 'email' | 'phone';

export interface IdentityIndex {
  email: Map<string, string>;
  phone: Map<string, string>;
}

export function identityKey(kind: IdentityKind, value: unknown): string | null {
  if (typeof value !== 'string') return null;
  return kind === 'email' ? normalizeEmail(value) : normalizePhone(value);
}

/** Index of candidate records by every email and phone they hold (arrays included). First one wins. */
export function buildIdentityIndex(candidates: Array<{ id: string; emails: unknown; phones: unknown }>): IdentityIndex {
  const index: IdentityIndex = { email: new Map(), phone: new Map() };
  for (const c of candidates) {
    for (const [kind, values] of [
      ['email', c.emails],
      ['phone', c.phones],
    ] as const) {
      for (const v of Array.isArray(values) ? values : values ? [values] : []) {
        const key = identityKey(kind, v);
        if (key && !index[kind].has(key)) index[kind].set(key, c.id);
      }
    }
  }
  return index;
}

/** The candidate holding one of these emails, else one of these phones; null when none does. */
export function findIdentityMatch(index: IdentityIndex, emails: unknown[], phones: unknown[]): string | null {
  for (const e of emails) {
    const hit = index.email.get(identityKey('email', e) ?? '');
    if (hit) return hit;
  }
  for (const p of phones) {
    const hit = index.phone.get(identityKey('phone', p) ?? '');
    if (hit) return hit;
  }
  return null;
}

/** The columns holding a dataset's match fields (contacts: emails, phones). */
export function matchColumns(fields: FieldDef[], matchBy: string[]): { email?: FieldDef; phone?: FieldDef } {
  const pick = (kind: 'email' | 'phone_number') => fields.find((f) => matchBy.includes(f.field) && f.kind === kind);
  return { email: pick('email'), phone: pick('phone_number') };
}

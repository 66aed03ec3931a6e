/**
 * Google person ⇄ contacts row, and the merge of the Google leg with field ownership, pure.
 * Google owns emails and phones, Notion owns company, notes and tags (they reach Google only as
 * an organization name where Google has none), and the name is newest-wins.
 */
import type { people_v1 } from '@googleapis/people';
import type { DatasetDescriptor } from '../../datasets/types.ts';
import { sameValue, type CanonicalRecord } from '../canonical.ts';
import { normalizeEmail, normalizePhone } from '../identity.ts';

export interface GoogleContact {
  name: string | null;
  emails: string[];
  phones: string[];
  company: string | null;
  notes: string | null;
}

/** The fields of the contacts dataset the Google step reads and writes, by the names it uses for them. */
const CONTACT_FIELDS: Record<keyof GoogleContact, string> = { name: 'name', emails: 'email', phones: 'phone', company: 'company', notes: 'notes' };

/**
 * The table's columns for a Google contact's values: the columns of the dataset's fields, so a
 * rename in the config (`datasets.contacts.columns`, e.g. email → "email") is the Google step's too.
 */
export function contactColumns(ds: Pick<DatasetDescriptor, 'name' | 'fields'>): Record<keyof GoogleContact, string> {
  const out = {} as Record<keyof GoogleContact, string>;
  for (const [key, field] of Object.entries(CONTACT_FIELDS) as Array<[keyof GoogleContact, string]>) {
    const f = ds.fields.find((x) => x.field === field);
    if (!f) throw new Error(`${ds.name}: the Google step needs the field ${field}, which the dataset does not have`);
    out[key] = f.column;
  }
  return out;
}

const primaryFirst = <T extends { metadata?: { primary?: boolean | null } | null }>(list: T[] | undefined | null): T[] =>
  [...(list ?? [])].sort((a, b) => Number(Boolean(b.metadata?.primary)) - Number(Boolean(a.metadata?.primary)));

function uniqueBy(values: string[], key: (v: string) => string | null): string[] {
  const seen = new Set<string>();
  const out: string[] = [];
  for (const v of values) {
    const k = key(v);
    if (!k || seen.has(k)) continue;
    seen.add(k);
    out.push(v);
  }
  return out;
}

export function personToContact(p: people_v1.Schema$Person): GoogleContact {
  const name = primaryFirst(p.names)[0];
  const display = name?.displayName ?? ([name?.givenName, name?.familyName].filter(Boolean).join(' ') || null);
  return {
    name: display?.trim() || null,
    emails: uniqueBy(primaryFirst(p.emailAddresses).map((e) => e.value?.trim() ?? ''), normalizeEmail),
    phones: uniqueBy(primaryFirst(p.phoneNumbers).map((x) => normalizePhone(x.canonicalForm ?? x.value) ?? ''), normalizePhone),
    company: primaryFirst(p.organizations)[0]?.name?.trim() || null,
    notes: primaryFirst(p.biographies)[0]?.value?.trim() || null,
  };
}

/** The fields the Google leg compares, in identity form (case and phone format do not count as changes). */
export function googleKey(c: Pick<GoogleContact, 'name' | 'emails' | 'phones' | 'company'>): CanonicalRecord {
  return {
    name: c.name,
    emails: c.emails.map((e) => normalizeEmail(e)!).filter(Boolean),
    phones: c.phones.map((p) => normalizePhone(p)!).filter(Boolean),
    company: c.company,
  };
}

export function rowToContact(row: Record<string, any>): GoogleContact {
  return {
    name: row.name ?? null,
    emails: Array.isArray(row.emails) ? row.emails : [],
    phones: Array.isArray(row.phones) ? row.phones : [],
    company: row.company ?? null,
    notes: row.notes ?? null,
  };
}

export interface GoogleLegMerge {
  /** The contact's value after the run, for Postgres. */
  row: Pick<GoogleContact, 'name' | 'emails' | 'phones'>;
  /** Fields Google must receive (People field names), with the values to send. */
  toGoogle: Partial<{ names: string; emailAddresses: string[]; phoneNumbers: string[]; organizations: string }>;
  /** The agreed value: the Google leg's base from now on. */
  base: CanonicalRecord;
  conflicts: Array<{ field: string; google: unknown; postgres: unknown; winner: 'google' | 'postgres' }>;
}

/**
 * Three-way merge of one linked contact: G (Google now), P (the row now), B (the Google leg's base).
 * Without a base (a first pairing), lists are united — Google's entries first — so no address is lost.
 */
export function mergeGoogleContact(base: CanonicalRecord | null, g: GoogleContact, p: GoogleContact, googleEditedAt: number, postgresEditedAt: number): GoogleLegMerge {
  const G = googleKey(g);
  const P = googleKey(p);
  const conflicts: GoogleLegMerge['conflicts'] = [];
  const pickList = (field: 'emails' | 'phones', key: (v: string) => string | null): string[] => {
    const gv = g[field];
    const pv = p[field];
    if (sameValue(G[field], P[field])) return pv; // same addresses: keep Postgres's spelling
    if (!base) return uniqueBy([...gv, ...pv], key);
    if (sameValue(G[field], base[field] ?? [])) return pv; // only Postgres changed
    if (!sameValue(P[field], base[field] ?? [])) conflicts.push({ field, google: gv, postgres: pv, winner: 'google' });
    return gv; // Google changed (and owns the field)
  };
  const emails = pickList('emails', normalizeEmail);
  const phones = pickList('phones', normalizePhone);
  let name = p.name;
  if (!sameValue(G.name, P.name)) {
    if (!p.name) name = g.name;
    else if (!g.name) name = p.name;
    else if (base && sameValue(G.name, base.name ?? null)) name = p.name;
    else if (base && sameValue(P.name, base.name ?? null)) name = g.name;
    else {
      const winner = googleEditedAt > postgresEditedAt ? 'google' : 'postgres';
      name = winner === 'google' ? g.name : p.name;
      conflicts.push({ field: 'name', google: g.name, postgres: p.name, winner });
    }
  }
  const row = { name, emails, phones };
  const after = googleKey({ ...row, company: g.company ?? p.company });
  const toGoogle: GoogleLegMerge['toGoogle'] = {};
  if (!sameValue(after.name, G.name) && name) toGoogle.names = name;
  if (!sameValue(after.emails, G.emails)) toGoogle.emailAddresses = emails;
  if (!sameValue(after.phones, G.phones)) toGoogle.phoneNumbers = phones;
  // Company belongs to Notion: written to Google only where Google has none.
  if (!g.company && p.company) toGoogle.organizations = p.company;
  return { row, toGoogle, base: googleKey({ ...row, company: g.company ?? p.company ?? null }), conflicts };
}

/** The People resource fields for an update or create. */
export function personFromChanges(changes: GoogleLegMerge['toGoogle']): people_v1.Schema$Person {
  const person: people_v1.Schema$Person = {};
  if (changes.names !== undefined) person.names = [{ unstructuredName: changes.names, givenName: changes.names.split(' ')[0], familyName: changes.names.split(' ').slice(1).join(' ') || undefined }];
  if (changes.emailAddresses) person.emailAddresses = changes.emailAddresses.map((value, i) => ({ value, ...(i === 0 ? { metadata: { primary: true } } : {}) }));
  if (changes.phoneNumbers) person.phoneNumbers = changes.phoneNumbers.map((value, i) => ({ value, ...(i === 0 ? { metadata: { primary: true } } : {}) }));
  if (changes.organizations !== undefined) person.organizations = [{ name: changes.organizations }];
  return person;
}

/**
 * Links rows to contacts by email address: calendar attendees, mail senders and recipients.
 * One statement per run, case-insensitive.
 */
import type { Config } from '../../config/index.ts';
import { quoteIdent } from '../../store/identifiers.ts';
import type { Sql } from '../../store/types.ts';
import { normalizeEmail } from '../identity.ts';
import { contactColumns } from './peopleContacts.ts';

/** The contacts dataset's table and address column, as the config names them (datasets.contacts.table, .columns.email). */
export function contactAddresses(config: Pick<Config, 'datasets'>): { table: string; emails: string } {
  const contacts = config.datasets.find((d) => d.name === 'contacts');
  if (!contacts) throw new Error('the contacts dataset is not known: calendar and gmail link their rows to contacts');
  return { table: contacts.table, emails: contactColumns(contacts).emails };
}

export async function contactIdsByEmail(sql: Sql, contacts: { table: string; emails: string }, emails: Iterable<string>): Promise<Map<string, string>> {
  const wanted = [...new Set([...emails].map((e) => normalizeEmail(e)).filter((e): e is string => Boolean(e)))];
  const out = new Map<string, string>();
  if (!wanted.length) return out;
  const { rows } = await sql.query<{ id: string; email: string }>(
    `SELECT c.id::text AS id, lower(trim(e)) AS email
       FROM ${quoteIdent(contacts.table)} c CROSS JOIN LATERAL unnest(coalesce(c.${quoteIdent(contacts.emails)}, '{}'::text[])) AS e
      WHERE c.deleted_at IS NULL AND lower(trim(e)) = ANY($1::text[])
      ORDER BY c.created_at`,
    [wanted],
  );
  for (const r of rows) if (!out.has(r.email)) out.set(r.email, r.id);
  return out;
}

/** The contact ids of these addresses, each once, in address order. */
export function linkContacts(emails: string[], byEmail: Map<string, string>): string[] {
  const ids: string[] = [];
  for (const e of emails) {
    const id = byEmail.get(normalizeEmail(e) ?? '');
    if (id && !ids.includes(id)) ids.push(id);
  }
  return ids;
}

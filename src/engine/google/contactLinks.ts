/**
 * Links rows to contacts by email address: calendar attendees, mail senders and recipients.
 * One statement per run, case-insensitive.
 */
import type { Sql } from '../../store/types.ts';
import { normalizeEmail } from '../identity.ts';

export async function contactIdsByEmail(sql: Sql, emails: Iterable<string>): Promise<Map<string, string>> {
  const wanted = [...new Set([...emails].map((e) => normalizeEmail(e)).filter((e): e is string => Boolean(e)))];
  const out = new Map<string, string>();
  if (!wanted.length) return out;
  const { rows } = await sql.query<{ id: string; email: string }>(
    `SELECT c.id::text AS id, lower(trim(e)) AS email
       FROM contacts c CROSS JOIN LATERAL unnest(coalesce(c.emails, '{}'::text[])) AS e
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

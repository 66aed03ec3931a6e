/**
 * People's sync requests lag writes: "Writes may have a propagation delay of several minutes for
 * sync requests" (connections.list). A person the user added in Google a minute ago is missing from
 * the incremental listing, so a row for the same person (say, just added in Notion) would look new
 * and be created in Google a second time — and the original would arrive minutes later as a second
 * row. Before creating contacts in Google, an incremental run therefore reads one plain listing
 * (no sync token) and links each row to a person there that it matches by email, then phone, and
 * that no row is linked to yet. Only runs that are about to create contacts pay for the listing.
 */
import type { people_v1 } from '@googleapis/people';
import type { GoogleConnector } from '../../connectors/google/index.ts';
import type { Sql } from '../../store/types.ts';
import { buildIdentityIndex, findIdentityMatch } from '../matchIdentity.ts';
import { personToContact } from './peopleContacts.ts';

type Row = Record<string, any>;

export async function matchUnseenPeople(
  sql: Sql,
  quotedTable: string,
  people: GoogleConnector['people'],
  rows: Row[],
  seen: Set<string>,
): Promise<Array<{ row: Row; person: people_v1.Schema$Person }>> {
  if (!rows.length) return [];
  const { people: everyone } = await people.listConnections({});
  const unseen = everyone.filter((p) => p.resourceName && !p.metadata?.deleted && !seen.has(p.resourceName));
  if (!unseen.length) return [];
  const { rows: linked } = await sql.query<{ rn: string }>(`SELECT google_resource_name AS rn FROM ${quotedTable} WHERE google_resource_name = ANY($1::text[])`, [unseen.map((p) => p.resourceName)]);
  const taken = new Set(linked.map((r) => String(r.rn)));
  const index = buildIdentityIndex(rows.map((r) => ({ id: String(r.id), emails: r.emails, phones: r.phones })));
  const byId = new Map(rows.map((r) => [String(r.id), r]));
  const claimed = new Set<string>();
  const out: Array<{ row: Row; person: people_v1.Schema$Person }> = [];
  for (const person of unseen) {
    if (taken.has(person.resourceName!)) continue;
    const c = personToContact(person);
    const id = findIdentityMatch(index, c.emails, c.phones);
    if (!id || claimed.has(id)) continue;
    claimed.add(id);
    out.push({ row: byId.get(id)!, person });
  }
  return out;
}

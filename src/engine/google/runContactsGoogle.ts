/**
 * contacts, Google ⇄ Postgres leg (the spec's Pattern 3, step 2): People connections since the
 * stored `people_sync_token` (an expired token — People answers 400 EXPIRED_SYNC_TOKEN — is
 * replaced by one full listing). Each person is linked to its row by resource name, else matched
 * to an unlinked row by email, then phone, else becomes a new row: the same person never becomes
 * two records. Changes flow both ways with field ownership (peopleContacts.ts); rows only in
 * Notion/Postgres are created in Google when CONTACTS_CREATE_IN_GOOGLE=true.
 */
import type { people_v1 } from '@googleapis/people';
import type { ResolvedDataset } from '../../config/index.ts';
import { errorKind } from '../../connectors/errors.ts';
import { quoteIdent, readLinks, readState, stateKeys, upsertLinks, upsertRows, writeState, type SyncLinkInput } from '../../store/index.ts';
import type { ColumnType } from '../../store/types.ts';
import { sameValue, type CanonicalRecord } from '../canonical.ts';
import { ATTEMPTED } from '../planTwoWay.ts';
import type { RecordChange } from '../changeLog.ts';
import type { RunContext, RunOptions } from '../context.ts';
import { buildIdentityIndex, findIdentityMatch } from '../matchIdentity.ts';
import type { RunResult } from '../result.ts';
import { runFramed } from '../runFrame.ts';
import { relinkGoogle } from '../relink/relinkGoogle.ts';
import { matchUnseenPeople } from './unseenPeople.ts';
import { randomUUID } from 'node:crypto';
import { contactColumns, googleKey, mergeGoogleContact, personFromChanges, personToContact, rowToContact, type GoogleContact, type GoogleLegMerge } from './peopleContacts.ts';

const LEG = 'contacts_google';
/**
 * What this step writes, under the names it uses for them, with the types the contacts dataset
 * gives their columns (src/datasets/contacts.ts); the columns follow datasets.contacts.columns
 * (contactColumns).
 */
function writtenColumns(ds: ResolvedDataset, cols: Record<keyof GoogleContact, string>): Record<string, ColumnType> {
  const typeOf = (column: string) => ds.fields.find((f) => f.column === column)!.columnType;
  return {
    ...Object.fromEntries(Object.entries(cols).map(([k, column]) => [k, typeOf(column)])),
    ...Object.fromEntries((ds.extraColumns ?? []).map((c) => [c.column, c.columnType])),
    last_sync_source: 'text',
  };
}

type Row = Record<string, any>;

export async function runContactsGoogle(ctx: RunContext, ds: ResolvedDataset, opts: RunOptions = {}): Promise<RunResult> {
  const leg = { ...ds, name: LEG };
  // Same lock as the Notion steps: another instance's Notion step never runs beside this one.
  return runFramed(ctx, leg, opts, (result, started, guarded) => syncGoogleLeg(guarded, ds, opts, result, started), ds.name);
}

async function syncGoogleLeg(ctx: RunContext, ds: ResolvedDataset, opts: RunOptions, result: RunResult, started: number): Promise<void> {
  const { store } = ctx;
  const people = ctx.google!.people;
  const table = quoteIdent(ds.table);
  // Rows are read and written under the step's own names (name, emails, phones, company, notes),
  // whatever columns the config maps those fields to.
  const cols = contactColumns(ds);
  const rowColumns = `id, ${(['name', 'emails', 'phones', 'company', 'notes'] as const).map((k) => `${quoteIdent(cols[k])} AS ${k}`).join(', ')}, google_resource_name, google_etag, updated_at, deleted_at`;
  const dryRun = Boolean(opts.dryRun);
  const fail = (key: string, e: unknown) => result.errors.push({ key, error: (e as Error).message ?? String(e), kind: errorKind(e) ?? 'validation' });

  // 1. Google: people changed since the token (everyone on a full run).
  const token = opts.full ? null : await readState(store, stateKeys.peopleSyncToken);
  let listing: { people: people_v1.Schema$Person[]; nextSyncToken: string } | null = null;
  if (token) {
    try {
      listing = await people.listConnections({ syncToken: token });
      result.mode = 'incremental';
    } catch (e) {
      if (errorKind(e) !== 'sync_token_expired') throw e;
      result.warnings.push('Google People sync token expired (400 EXPIRED_SYNC_TOKEN): running one full listing');
    }
  }
  if (!listing) {
    result.mode = 'full';
    listing = await people.listConnections({});
  }

  // Full runs: a google_resource_name cleared in Postgres comes back from this step's ledger before
  // anything is matched or created (src/engine/relink/relinkGoogle.ts); ambiguous ones are reported.
  if (result.mode === 'full' && !dryRun) {
    for (const a of (await relinkGoogle(store, ds, false)).ambiguities) result.warnings.push(`link not rebuilt (ambiguous): ${a.reason}`);
  }

  // 2. Rows: those linked to the listed people, and every row not linked to Google (match candidates).
  const names = listing.people.map((p) => p.resourceName).filter((x): x is string => Boolean(x));
  const previous = listing.people.flatMap((p) => p.metadata?.previousResourceNames ?? []);
  const { rows: linkedRows } = await store.query<Row>(`SELECT ${rowColumns} FROM ${table} WHERE google_resource_name = ANY($1::text[])`, [[...names, ...previous]]);
  const byResource = new Map(linkedRows.map((r) => [String(r.google_resource_name), r]));
  const { rows: unlinked } = await store.query<Row>(`SELECT ${rowColumns} FROM ${table} WHERE google_resource_name IS NULL AND deleted_at IS NULL`);
  const claimed = new Set<string>();
  const index = buildIdentityIndex(unlinked.map((r) => ({ id: String(r.id), emails: r.emails, phones: r.phones })));
  const unlinkedById = new Map(unlinked.map((r) => [String(r.id), r]));

  // Rows changed in Postgres since the last run, linked to people Google did not list: Postgres → Google.
  const pgCursor = opts.full ? null : await readState(store, stateKeys.contactsGooglePostgresCursor);
  const overlapMs = ctx.config.sync.overlapSeconds * 1000;
  const { rows: changedRows } = pgCursor
    ? await store.query<Row>(`SELECT ${rowColumns} FROM ${table} WHERE google_resource_name IS NOT NULL AND deleted_at IS NULL AND updated_at >= $1`, [new Date(Date.parse(pgCursor) - overlapMs)])
    : { rows: [] as Row[] };

  interface Item {
    recordId: string;
    person: people_v1.Schema$Person | null; // null: not listed (Postgres-side change), fetched when a write needs its etag
    row: Row | null; // null: a new row
    resourceName: string;
  }
  const items: Item[] = [];
  const unlinkedFromGoogle: Row[] = [];
  let matchedCount = 0;
  for (const person of listing.people) {
    const rn = person.resourceName;
    if (!rn) continue;
    const row = byResource.get(rn) ?? (person.metadata?.previousResourceNames ?? []).map((x) => byResource.get(x)).find(Boolean) ?? null;
    if (person.metadata?.deleted) {
      // Deleted in Google: the contact stays (its CRM side lives in Notion); only the link goes.
      if (row) unlinkedFromGoogle.push(row);
      continue;
    }
    if (row) {
      items.push({ recordId: String(row.id), person, row, resourceName: rn });
      continue;
    }
    const c = personToContact(person);
    const match = findIdentityMatch(index, c.emails, c.phones);
    if (match && !claimed.has(match)) {
      claimed.add(match);
      items.push({ recordId: match, person, row: unlinkedById.get(match)!, resourceName: rn });
      matchedCount++;
    } else items.push({ recordId: randomUUID(), person, row: null, resourceName: rn });
  }
  if (matchedCount) ctx.logger.info({ matched: matchedCount }, 'Google contacts matched to existing contacts by email or phone: linked, not duplicated');
  const listed = new Set(items.map((i) => i.recordId));
  for (const r of changedRows) if (!listed.has(String(r.id))) items.push({ recordId: String(r.id), person: null, row: r, resourceName: String(r.google_resource_name) });

  // New contacts for Google: rows in neither Google nor the listing, with an address to match them by later.
  let creates = ctx.config.google.createContactsInGoogle
    ? unlinked.filter((r) => !claimed.has(String(r.id)) && ((r.emails?.length ?? 0) > 0 || (r.phones?.length ?? 0) > 0))
    : [];
  if (creates.length && result.mode === 'incremental') {
    // People's sync requests lag writes by minutes: a person just added in Google is not in the
    // incremental listing yet. Link rows to such people instead of creating them a second time.
    const late = await matchUnseenPeople(store, table, people, creates, new Set(names));
    for (const { row, person } of late) {
      claimed.add(String(row.id));
      items.push({ recordId: String(row.id), person, row, resourceName: person.resourceName! });
    }
    if (late.length) ctx.logger.info({ matched: late.length }, 'Google contacts not yet in the incremental listing matched by email or phone: linked, not created again');
    creates = creates.filter((r) => !claimed.has(String(r.id)));
  }

  // 3. Merge each against the Google leg's base.
  const bases = await readLinks(store, LEG, items.map((i) => i.recordId));
  interface Planned extends Item {
    merge: GoogleLegMerge;
    contact: GoogleContact;
    /** The base the merge used: the ledger's, with our own earlier updates that landed unheard taken as agreed. */
    base: CanonicalRecord | null;
  }
  const planned: Planned[] = [];
  for (const item of items) {
    try {
      let base = (bases.get(item.recordId)?.base as CanonicalRecord | null) ?? null;
      const attempted = base?.[ATTEMPTED] as unknown as CanonicalRecord | undefined;
      if (base && attempted && item.person) {
        // An update of ours that Google applied without our hearing back: agreed, not a Google edit.
        const now = googleKey(personToContact(item.person));
        const landed = Object.keys(attempted).filter((k) => sameValue(now[k] ?? null, attempted[k] ?? null));
        if (landed.length) base = { ...base, ...Object.fromEntries(landed.map((k) => [k, attempted[k]!])) };
      }
      if (!item.person) {
        // Only Postgres changed: Google still holds the base.
        if (!base) continue;
        const g: GoogleContact = { name: (base.name as string) ?? null, emails: (base.emails as string[]) ?? [], phones: (base.phones as string[]) ?? [], company: (base.company as string) ?? null, notes: null };
        const merge = mergeGoogleContact(base, g, rowToContact(item.row!), 0, Date.parse(item.row!.updated_at));
        if (Object.keys(merge.toGoogle).length) planned.push({ ...item, merge, contact: g, base });
        continue;
      }
      const g = personToContact(item.person);
      const p = item.row ? rowToContact(item.row) : { name: null, emails: [], phones: [], company: g.company, notes: g.notes };
      const googleTime = Date.parse(item.person.metadata?.sources?.find((s) => s.type === 'CONTACT')?.updateTime ?? '') || 0;
      const merge = mergeGoogleContact(item.row ? base : null, g, p, googleTime, item.row ? Date.parse(item.row.updated_at) : 0);
      planned.push({ ...item, merge, contact: g, base });
    } catch (e) {
      fail(item.resourceName, e);
    }
  }
  result.conflicts = planned.flatMap((p) =>
    p.merge.conflicts.map((c) => ({ field: c.field, notion: c.google as any, postgres: c.postgres as any, base: undefined, winner: c.winner === 'google' ? ('notion' as const) : ('postgres' as const), reason: 'owner' as const, recordId: p.recordId, pageId: p.resourceName })),
  );

  // 4. New contacts for Google (chosen above).
  if (dryRun) {
    for (const p of planned) countPlanned(result, p);
    result.writes = { notion: { created: creates.length, updated: 0, deleted: 0, restored: 0 }, postgres: { created: 0, updated: 0, deleted: 0, restored: 0 } };
    return;
  }

  // 5. Google writes (People mutations are serialized by the connector). A stale etag: re-read, merge again, retry once.
  const googleWrites = { created: 0, updated: 0, deleted: 0, restored: 0 };
  // Record what each update is about to send before sending it (see ATTEMPTED). The marker sits on
  // the base the merge used — an earlier update of ours recognised there as landed stays agreed. On
  // the ledger's raw base, a failure of this update would forget it, and Google's copy of that
  // older value would then look like a Google edit and win over the newer one (Google owns phones).
  const updating = planned.filter((p) => Object.keys(p.merge.toGoogle).length && p.base);
  if (updating.length) {
    await upsertLinks(
      store,
      LEG,
      updating.map((p) => {
        const sent = googleKey({ ...p.merge.row, company: null });
        const fields = { names: 'name', emailAddresses: 'emails', phoneNumbers: 'phones' } as Record<string, string>;
        const attempted = Object.fromEntries(Object.keys(p.merge.toGoogle).filter((k) => fields[k]).map((k) => [fields[k]!, sent[fields[k]!]!]));
        return { recordId: p.recordId, googleId: p.resourceName, base: { ...p.base!, [ATTEMPTED]: attempted } };
      }),
    );
  }
  const done: Planned[] = [];
  for (const p of planned) {
    try {
      if (Object.keys(p.merge.toGoogle).length) {
        const updated = await updateWithEtag(p);
        p.person = updated;
        googleWrites.updated++;
      }
      done.push(p);
    } catch (e) {
      fail(p.resourceName, e);
    }
  }
  const created: Array<{ row: Row; person: people_v1.Schema$Person }> = [];
  for (const r of creates) {
    try {
      const c = rowToContact(r);
      const person = await people.createContact({ ...personFromChanges({ names: c.name ?? undefined, emailAddresses: c.emails, phoneNumbers: c.phones, ...(c.company ? { organizations: c.company } : {}) }) });
      created.push({ row: r, person });
      googleWrites.created++;
    } catch (e) {
      fail(String(r.id), e);
    }
  }

  // 6. Postgres rows and the leg's ledger, in one transaction.
  const now = new Date(ctx.clock.now());
  const rowWrites: Row[] = [];
  const links: SyncLinkInput[] = [];
  const pgWrites = { created: 0, updated: 0, deleted: 0, restored: 0 };
  // The audit rows of this batch (sync_logs), written in the transaction below: Google's writes are done by now.
  const changes: RecordChange[] = [];
  const PEOPLE_FIELDS: Record<string, string> = { names: 'name', emailAddresses: 'emails', phoneNumbers: 'phones', organizations: 'company' };
  for (const p of done) {
    const toGoogle = Object.keys(p.merge.toGoogle);
    if (toGoogle.length) changes.push({ verb: 'update', side: 'google', recordId: p.recordId, googleId: p.resourceName, fields: toGoogle.map((k) => PEOPLE_FIELDS[k] ?? k) });
  }
  for (const p of done) {
    const source = p.person?.metadata?.sources?.find((s) => s.type === 'CONTACT');
    const next = {
      id: p.recordId,
      name: p.merge.row.name,
      emails: p.merge.row.emails,
      phones: p.merge.row.phones,
      company: p.row ? p.row.company : p.contact.company,
      notes: p.row ? p.row.notes : p.contact.notes,
      google_resource_name: p.person?.resourceName ?? p.resourceName,
      google_etag: source?.etag ?? p.person?.etag ?? p.row?.google_etag ?? null,
      google_updated_at: source?.updateTime ? new Date(source.updateTime) : null,
      last_sync_source: 'google',
    };
    const changed = !p.row || ['name', 'emails', 'phones', 'google_resource_name'].some((k) => JSON.stringify(p.row![k] ?? null) !== JSON.stringify((next as Row)[k] ?? null));
    if (changed) {
      rowWrites.push(next);
      if (p.row) pgWrites.updated++;
      else pgWrites.created++;
      const fields = p.row ? ['name', 'emails', 'phones', 'google_resource_name'].filter((k) => JSON.stringify(p.row![k] ?? null) !== JSON.stringify((next as Row)[k] ?? null)) : ['name', 'emails', 'phones', 'company', 'notes', 'google_resource_name'];
      changes.push({ verb: p.row ? 'update' : 'create', side: 'supabase', recordId: p.recordId, googleId: next.google_resource_name, fields });
    } else if (p.row && p.row.google_etag !== next.google_etag) rowWrites.push(next);
    links.push({ recordId: p.recordId, googleId: next.google_resource_name, base: p.merge.base });
  }
  for (const c of created) {
    const source = c.person.metadata?.sources?.find((s) => s.type === 'CONTACT');
    rowWrites.push({ ...c.row, google_resource_name: c.person.resourceName, google_etag: source?.etag ?? c.person.etag ?? null, google_updated_at: source?.updateTime ? new Date(source.updateTime) : null, last_sync_source: c.row.last_sync_source ?? 'supabase' });
    const contact = rowToContact(c.row);
    links.push({ recordId: String(c.row.id), googleId: c.person.resourceName ?? null, base: mergeGoogleContact(null, contact, contact, 0, 0).base });
    changes.push({ verb: 'create', side: 'google', recordId: String(c.row.id), googleId: c.person.resourceName ?? null, fields: ['name', 'emails', 'phones', ...(contact.company ? ['company'] : [])] });
  }
  for (const r of unlinkedFromGoogle) {
    rowWrites.push({ ...r, google_resource_name: null, google_etag: null, last_sync_source: 'google' });
    // Deleted in Google: the contact stays, its link to Google goes.
    changes.push({ verb: 'update', side: 'supabase', recordId: String(r.id), googleId: String(r.google_resource_name), fields: ['google_resource_name'] });
  }
  const column = (k: string) => (cols as Record<string, string>)[k] ?? k;
  const written = writtenColumns(ds, cols);
  const columns = Object.fromEntries(Object.entries(written).map(([k, t]) => [column(k), t]));
  const full = (r: Row) => Object.fromEntries(['id', ...Object.keys(written)].map((k) => [column(k), r[k] ?? null]));
  await store.transaction(async (tx) => {
    if (rowWrites.length) await upsertRows(tx, { table: ds.table, keyColumn: 'id', keyType: 'uuid', columns }, rowWrites.map(full));
    if (links.length) await upsertLinks(tx, LEG, links);
    await ctx.changes?.write(tx, changes);
  });
  result.writes = { notion: googleWrites, postgres: pgWrites };
  result.changedRecordIds = rowWrites.filter((r) => !unlinkedFromGoogle.includes(r)).map((r) => String(r.id));
  result.created = googleWrites.created + pgWrites.created;
  result.updated = googleWrites.updated + pgWrites.updated;
  result.unchanged = planned.length - done.filter((p) => Object.keys(p.merge.toGoogle).length).length - pgWrites.updated - pgWrites.created;
  if (result.unchanged < 0) result.unchanged = 0;
  result.skipped = result.errors.length;

  // 7. Cursors: the People token and the Postgres-side cursor move only when nothing failed.
  if (!result.errors.length) {
    await writeState(store, stateKeys.peopleSyncToken, listing.nextSyncToken);
    await writeState(store, stateKeys.contactsGooglePostgresCursor, new Date(started).toISOString());
  }

  async function updateWithEtag(p: Planned, attempt = 0): Promise<people_v1.Schema$Person> {
    const current = p.person ?? (await people.getPerson(p.resourceName));
    if (!current) throw new Error(`Google contact ${p.resourceName} no longer exists`);
    const fields = Object.keys(p.merge.toGoogle);
    try {
      return await people.updateContact(p.resourceName, { ...personFromChanges(p.merge.toGoogle), metadata: { sources: current.metadata?.sources } }, fields);
    } catch (e) {
      if (errorKind(e) !== 'conflict' || attempt > 0) throw e;
      // Someone edited the contact since we read it: re-read, merge again, retry once.
      const fresh = await people.getPerson(p.resourceName);
      if (!fresh) throw e;
      const base = p.base; // with our own landed updates taken as agreed, as in the first merge
      const g = personToContact(fresh);
      const merge = mergeGoogleContact(base, g, p.row ? rowToContact(p.row) : g, Date.now(), 0);
      Object.assign(p, { person: fresh, merge, contact: g });
      if (!Object.keys(merge.toGoogle).length) return fresh;
      return updateWithEtag(p, attempt + 1);
    }
  }
}

function countPlanned(result: RunResult, p: { row: Row | null; merge: GoogleLegMerge }): void {
  if (!p.row) result.created++;
  else if (Object.keys(p.merge.toGoogle).length) result.updated++;
}

/**
 * The per-record audit trail of a run: what each write batch changed, as sync_logs rows named
 * verb_side_entity (the spec's `create_supabase_contact`): create_notion_task,
 * update_supabase_meeting, soft_delete_supabase_contact, restore_notion_journal, update_google_contact.
 *
 * Runners describe the changes of a batch and hand them to write() together with the SQL of that
 * batch: for Postgres writes, the transaction that writes the rows (so a row and its log row land
 * or fail together); for Notion and Google writes, the Postgres transaction that records the batch
 * afterwards. Either way one statement per batch, never one per record. Dry runs write nothing.
 */
import type { UpsertedRow } from '../store/batch.ts';
import { writeChangeLogs, type ChangeLogEntry } from '../store/changeLogs.ts';
import type { Sql } from '../store/types.ts';
import type { PlanEntry } from './planOneWay.ts';
import { DELETED, type FieldChange, type TwoWayEntry } from './planTwoWay.ts';

export type ChangeVerb = 'create' | 'update' | 'soft_delete' | 'restore';
/** `supabase` is the dataset's Postgres table (the spec's name for it), wherever Postgres runs. */
export type ChangeSide = 'notion' | 'supabase' | 'google';

export interface RecordChange {
  verb: ChangeVerb;
  side: ChangeSide;
  recordId?: string | null;
  notionPageId?: string | null;
  googleId?: string | null;
  /** Names of the fields written (canonical field names, which are the column names by default). */
  fields?: string[];
}

const SIDE_NAMES: Record<ChangeSide, string> = { notion: 'Notion', supabase: 'Postgres', google: 'Google' };
const PAST: Record<ChangeVerb, string> = { create: 'created', update: 'updated', soft_delete: 'soft-deleted', restore: 'restored' };

/** Datasets whose records are not simply the singular of the dataset's name. */
const ENTITIES: Record<string, string> = { calendar: 'calendar_event', gmail: 'email', contacts_google: 'contact' };

/** `tasks` → `task`, `calendar` → `calendar_event`, `contacts_google` (the Google step) → `contact`. */
export function entityOf(dataset: string): string {
  return ENTITIES[dataset] ?? (dataset.endsWith('s') && dataset.length > 1 ? dataset.slice(0, -1) : dataset);
}

export class RunChanges {
  private readonly entity: string;
  /** Rows written so far (tests and logs). */
  written = 0;

  constructor(
    /** The id the run's summary row will have: every change row points at it. */
    readonly runId: string,
    readonly dataset: string,
    /** False on dry runs: nothing is written. */
    readonly enabled: boolean,
  ) {
    this.entity = entityOf(dataset);
  }

  eventType(c: Pick<RecordChange, 'verb' | 'side'>): string {
    return `${c.verb}_${c.side}_${this.entity}`;
  }

  /** Writes the changes of one batch through `sql` (the batch's transaction): one statement per 5,000. */
  async write(sql: Sql, changes: RecordChange[]): Promise<void> {
    if (!this.enabled || !changes.length) return;
    await writeChangeLogs(sql, changes.map((c) => this.entry(c)));
    this.written += changes.length;
  }

  private entry(c: RecordChange): ChangeLogEntry {
    const fields = [...new Set(c.fields ?? [])];
    const what = fields.length && c.verb === 'update' ? `${fields.join(', ')} of ` : '';
    const id = c.recordId ?? c.notionPageId ?? c.googleId ?? '';
    return {
      eventType: this.eventType(c),
      runId: this.runId,
      dataset: this.dataset,
      message: `${PAST[c.verb]} ${what}${this.entity.replace(/_/g, ' ')} ${id} in ${SIDE_NAMES[c.side]}`.replace(/\s+/g, ' ').trim(),
      recordId: c.recordId ?? null,
      notionPageId: c.notionPageId ?? null,
      googleId: c.googleId ?? null,
      changedFields: fields,
    };
  }
}

/** The change a list of field changes makes on one side: a soft delete, a restore, or an update. */
export function changeOf(side: ChangeSide, changes: FieldChange[], ids: Pick<RecordChange, 'recordId' | 'notionPageId' | 'googleId'>): RecordChange | null {
  if (!changes.length) return null;
  const del = changes.find((c) => c.field === DELETED);
  const verb: ChangeVerb = del ? (del.to ? 'soft_delete' : 'restore') : 'update';
  return { verb, side, ...ids, fields: changes.filter((c) => c.field !== DELETED).map((c) => c.field) };
}

/** What a written two-way entry changed in Notion. */
export function notionChangeOf(e: TwoWayEntry, recordId: string | null): RecordChange | null {
  const ids = { recordId, notionPageId: e.pageId };
  if (e.action === 'create-in-notion') return { verb: 'create', side: 'notion', ...ids, fields: Object.keys(e.final).filter((k) => k !== DELETED) };
  return changeOf('notion', e.toNotion, ids);
}

/**
 * What a written two-way entry changed in Postgres; `relinked`: the row's notion_page_id was
 * written too (a recovered create, a relink), which is a change of the row even when no field is.
 */
export function postgresChangeOf(e: TwoWayEntry, recordId: string, relinked: boolean): RecordChange | null {
  const ids = { recordId, notionPageId: e.pageId };
  if (e.action === 'create-in-postgres') return { verb: 'create', side: 'supabase', ...ids, fields: Object.keys(e.final).filter((k) => k !== DELETED) };
  let change = changeOf('supabase', e.toPostgres, ids);
  // Values Notion computed in answer to our write (a formula, the new page's unique_id) reached the row too.
  const computed = (e.computed ?? []).map((c) => c.field);
  if (computed.length) change = change ? { ...change, fields: [...(change.fields ?? []), ...computed] } : { verb: 'update', side: 'supabase', ...ids, fields: computed };
  if (!relinked) return change;
  return change ? { ...change, fields: [...(change.fields ?? []), 'notion_page_id'] } : { verb: 'update', side: 'supabase', ...ids, fields: ['notion_page_id'] };
}

/**
 * What a one-way batch changed in Postgres: the soft deletes of `entries`, and the creates and
 * updates among them that the upsert reports as written (`upserted`, which also gives a new row its
 * id). `keyIs`: what the plan's key is on the source side (a Notion page id, a Google id).
 */
export function oneWayChanges(entries: PlanEntry[], upserted: UpsertedRow[], keyIs: 'notionPageId' | 'googleId'): RecordChange[] {
  const written = new Map(upserted.map((u) => [u.key, u]));
  const out: RecordChange[] = [];
  for (const e of entries) {
    const source = { [keyIs]: e.key };
    if (e.action === 'delete') {
      out.push({ verb: 'soft_delete', side: 'supabase', recordId: e.id, ...source });
      continue;
    }
    const row = written.get(e.key);
    if (!row) continue; // refused, or nothing differed after all
    if (e.action === 'create') out.push({ verb: 'create', side: 'supabase', recordId: row.id, ...source, fields: Object.keys(e.record) });
    else out.push({ verb: e.restore ? 'restore' : 'update', side: 'supabase', recordId: row.id, ...source, fields: e.fields.map((f) => f.field) });
  }
  return out;
}

/** One record of a two-way write batch, as runTwoWay holds it (the entry written, its row write and ledger link). */
export interface TwoWayWritten {
  entry: TwoWayEntry;
  write: { existing: { notion_page_id?: unknown } | undefined } | null;
  link: { recordId: string };
}

/**
 * What a two-way batch changed: in Notion for every record (its Notion write is done by the time
 * the batch reaches Postgres), in Postgres for those whose row was written (`pgWritten`; all when
 * absent). Writing a row's standard columns after a push to Notion is not a change of the record.
 */
export function twoWayChanges(records: TwoWayWritten[], pgWritten?: (e: TwoWayEntry) => boolean): RecordChange[] {
  const out: RecordChange[] = [];
  for (const r of records) {
    const recordId = r.link.recordId;
    const notion = notionChangeOf(r.entry, recordId);
    if (notion) out.push(notion);
    if (!r.write || (pgWritten && !pgWritten(r.entry))) continue;
    const existing = r.write.existing;
    const relinked = r.entry.action !== 'create-in-notion' && existing !== undefined && (existing.notion_page_id ?? null) !== r.entry.pageId;
    const pg = postgresChangeOf(r.entry, recordId, relinked);
    if (pg) out.push(pg);
  }
  return out;
}

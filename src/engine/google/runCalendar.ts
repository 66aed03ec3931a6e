/**
 * calendar (Google → Postgres, one-way): a full sync within the configured window, then
 * incremental by the syncToken kept in sync_state (`calendar_sync_token`). A rejected token
 * (410) is forgotten and replaced by exactly one full resync. Cancelled events soft-delete.
 */
import { columnName, type ResolvedDataset } from '../../config/index.ts';
import { errorKind } from '../../connectors/errors.ts';
import { countActive, quoteIdent, readState, stateKeys, writeState } from '../../store/index.ts';
import type { RunContext, RunOptions } from '../context.ts';
import type { RunResult } from '../result.ts';
import { runFramed } from '../runFrame.ts';
import { checkDeletionValve, checkSafetyValve } from '../safetyValve.ts';
import { applyKeyedRows, keyedSpecOf } from './applyKeyedRows.ts';
import { eventToRow, isCancelled } from './calendarRows.ts';
import { contactAddresses, contactIdsByEmail, linkContacts } from './contactLinks.ts';

const DAY = 86_400_000;

export async function runCalendar(ctx: RunContext, ds: ResolvedDataset, opts: RunOptions = {}): Promise<RunResult> {
  return runFramed(ctx, ds, opts, (result, started, guarded) => syncCalendar(guarded, ds, opts, result, started));
}

async function syncCalendar(ctx: RunContext, ds: ResolvedDataset, opts: RunOptions, result: RunResult, started: number): Promise<void> {
  const google = ctx.google!;
  const { calendarId, calendarPastDays, calendarFutureDays } = ctx.config.google;
  const token = opts.full ? null : await readState(ctx.store, stateKeys.calendarSyncToken);
  const tokenCalendar = await readState(ctx.store, stateKeys.calendarSyncCalendarId);
  let listing: Awaited<ReturnType<typeof google.calendar.listEvents>> | null = null;
  if (token && tokenCalendar === calendarId) {
    try {
      listing = await google.calendar.listEvents(calendarId, { syncToken: token });
      result.mode = 'incremental';
    } catch (e) {
      if (errorKind(e) !== 'sync_token_expired') throw e;
      result.warnings.push('Google rejected the calendar sync token (410): running one full resync');
    }
  }
  const full = !listing;
  const timeMin = new Date(started - calendarPastDays * DAY).toISOString();
  const timeMax = new Date(started + calendarFutureDays * DAY).toISOString();
  if (!listing) {
    result.mode = 'full';
    listing = await google.calendar.listEvents(calendarId, { timeMin, timeMax });
  }

  const rows: Array<Record<string, unknown>> = [];
  const cancelled: string[] = [];
  for (const e of listing.events) {
    if (isCancelled(e)) {
      if (e.id) cancelled.push(e.id);
      continue;
    }
    try {
      rows.push(eventToRow(e, calendarId));
    } catch (err) {
      result.errors.push({ key: e.id ?? '(no id)', error: (err as Error).message, kind: 'validation' });
    }
  }
  const byEmail = await contactIdsByEmail(ctx.store, contactAddresses(ctx.config), rows.flatMap((r) => r.attendee_emails as string[]));
  for (const r of rows) r.contact_ids = linkContacts(r.attendee_emails as string[], byEmail);

  // A full resync also finds events gone since (deleted while the token was dead): rows of this
  // calendar inside the window that Google no longer lists — behind the valves.
  // Columns by their names in the table (datasets.calendar.columns may rename them).
  const c = (column: string) => quoteIdent(columnName(ds, column));
  if (full) {
    const active = await countActive(ctx.store, ds.table, { [columnName(ds, 'calendar_id')]: calendarId, deleted_at: null });
    checkSafetyValve(rows.length, active, ctx.config.sync.safetyValveRatio, 'Google Calendar', 'Postgres');
    const listed = new Set(rows.map((r) => r.google_event_id as string));
    const { rows: inWindow } = await ctx.store.query<{ google_event_id: string }>(
      `SELECT ${c('google_event_id')} AS google_event_id FROM ${quoteIdent(ds.table)} WHERE ${c('calendar_id')} = $1 AND deleted_at IS NULL
         AND coalesce(${c('ends_at')}, ${c('end_date')}::timestamptz) > $2 AND coalesce(${c('starts_at')}, ${c('start_date')}::timestamptz) < $3`,
      [calendarId, timeMin, timeMax],
    );
    for (const r of inWindow) if (!listed.has(r.google_event_id)) cancelled.push(r.google_event_id);
  }
  checkDeletionValve(cancelled.length, await countActive(ctx.store, ds.table, { deleted_at: null }), {
    share: ctx.config.sync.deletionValveShare,
    minimum: ctx.config.sync.deletionValveMinimum,
    force: opts.force || !full, // cancellations reported by Google itself are not a guess
  });
  await applyKeyedRows(ctx, keyedSpecOf(ds), rows, cancelled, result, { dryRun: Boolean(opts.dryRun) });
  result.skipped = result.errors.length;
  // The token moves on only when every event was taken: a record that failed is read again next run.
  if (!opts.dryRun && !result.errors.length) {
    await writeState(ctx.store, stateKeys.calendarSyncToken, listing.nextSyncToken);
    await writeState(ctx.store, stateKeys.calendarSyncCalendarId, calendarId);
  }
}

/**
 * gmail (Google → Postgres, one-way, metadata only): the first sync reads the messages matching
 * GMAIL_QUERY (at most GMAIL_MAX_MESSAGES); later runs read the mailbox history since the stored
 * `gmail_history_id`. A history id Google no longer knows (404) is replaced by one bounded full
 * resync. Messages deleted from the mailbox soft-delete their rows; trashing is a label change.
 */
import type { ResolvedDataset } from '../../config/index.ts';
import { errorKind } from '../../connectors/errors.ts';
import { readState, stateKeys, writeState } from '../../store/index.ts';
import type { RunContext, RunOptions } from '../context.ts';
import type { RunResult } from '../result.ts';
import { runFramed } from '../runFrame.ts';
import { applyKeyedRows, keyedSpecOf } from './applyKeyedRows.ts';
import { contactAddresses, contactIdsByEmail, linkContacts } from './contactLinks.ts';
import { messageToRow } from './gmailRows.ts';

export async function runGmail(ctx: RunContext, ds: ResolvedDataset, opts: RunOptions = {}): Promise<RunResult> {
  return runFramed(ctx, ds, opts, (result, _started, guarded) => syncGmail(guarded, ds, opts, result));
}

async function syncGmail(ctx: RunContext, ds: ResolvedDataset, opts: RunOptions, result: RunResult): Promise<void> {
  const gmail = ctx.google!.gmail;
  const { gmailQuery, gmailMaxMessages } = ctx.config.google;
  const stored = opts.full ? null : await readState(ctx.store, stateKeys.gmailHistoryId);
  let ids: string[] | null = null;
  let deleted: string[] = [];
  let nextHistoryId: string | null = null;
  if (stored) {
    try {
      const changes = await gmail.listHistory(stored);
      ids = [...new Set([...changes.added, ...changes.labelsChanged])];
      deleted = changes.deleted;
      nextHistoryId = changes.historyId;
      result.mode = 'incremental';
    } catch (e) {
      if (errorKind(e) !== 'sync_token_expired') throw e;
      result.warnings.push(`Gmail no longer knows history id ${stored} (404): running one full resync bounded by "${gmailQuery}"`);
    }
  }
  if (!ids) {
    result.mode = 'full';
    // The history id is taken before listing, so nothing that happens during the listing is missed.
    nextHistoryId = (await gmail.getProfile()).historyId;
    ids = (await gmail.listMessageIds(gmailQuery, gmailMaxMessages)).map((m) => m.id);
  }

  const messages = await gmail.getMessagesMetadata(ids.filter((id) => !deleted.includes(id)));
  const rows: Array<Record<string, unknown>> = [];
  for (const [id, m] of messages) {
    if (!m) {
      deleted.push(id); // gone between the listing and the fetch
      continue;
    }
    try {
      rows.push(messageToRow(m));
    } catch (err) {
      result.errors.push({ key: id, error: (err as Error).message, kind: 'validation' });
    }
  }
  const addresses = (r: Record<string, unknown>) => [r.from_address as string | null, ...(r.to_addresses as string[]), ...(r.cc_addresses as string[])].filter((x): x is string => Boolean(x));
  const byEmail = await contactIdsByEmail(ctx.store, contactAddresses(ctx.config), rows.flatMap(addresses));
  for (const r of rows) r.contact_ids = linkContacts(addresses(r), byEmail);

  await applyKeyedRows(ctx, keyedSpecOf(ds), rows, deleted, result, { dryRun: Boolean(opts.dryRun) });
  result.skipped = result.errors.length;
  if (!opts.dryRun && !result.errors.length && nextHistoryId) await writeState(ctx.store, stateKeys.gmailHistoryId, nextHistoryId);
}

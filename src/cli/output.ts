import type { RunResult } from '../engine/result.ts';
import { summarize } from '../engine/result.ts';
import { classifyMessage } from '../notify/classify.ts';

/** Human output: one summary line per dataset, then the dry-run plan and errors. */
export function printResult(r: RunResult, write: (line: string) => void): void {
  write(headline(r));
  const changes = (list: Array<{ field: string; from: unknown; to: unknown }>) => list.map((f) => `${f.field} ${JSON.stringify(f.from)} → ${JSON.stringify(f.to)}`).join(', ');
  for (const e of r.plan ?? []) {
    if ('toNotion' in e) {
      const id = e.recordId ?? e.pageId;
      if (e.action === 'create-in-notion') write(`  + create in Notion: row ${id}`);
      else if (e.action === 'create-in-postgres') write(`  + create in Postgres: page ${id}`);
      else if (e.action === 'link') write(`  = link ${id} (already equal)`);
      else {
        if (e.toNotion.length) write(`  → Notion ${e.pageId}: ${changes(e.toNotion)}`);
        if (e.toPostgres.length) write(`  → Postgres ${e.recordId}: ${changes(e.toPostgres)}`);
      }
      for (const c of e.conflicts) write(`  ! conflict on ${c.field}: Notion ${JSON.stringify(c.notion)} vs Postgres ${JSON.stringify(c.postgres)} → ${c.winner} wins (${c.reason})`);
    } else if (e.action === 'create') write(`  + create ${e.key}`);
    else if (e.action === 'delete') write(`  - delete ${e.key} (trashed in Notion)`);
    else write(`  ~ ${e.restore ? 'restore' : 'update'} ${e.key}: ${changes(e.fields)}`);
  }
  // Lost links found again before planning (a dry run: would be); ambiguous ones are in the warnings.
  for (const l of (r.relinked ?? []).slice(0, 20)) write(`  ↺ link ${r.dryRun ? 'would be ' : ''}rebuilt: row ${l.recordId} ↔ page ${l.pageId} (from ${l.source})`);
  if ((r.relinked?.length ?? 0) > 20) write(`  … and ${r.relinked!.length - 20} more links rebuilt`);
  for (const e of r.errors.slice(0, 20)) write(`  ! ${e.error}`);
  if (r.errors.length > 20) write(`  … and ${r.errors.length - 20} more errors (see sync_logs)`);
  for (const w of r.warnings.slice(0, 5)) write(`  · ${w}`);
}

/**
 * A run's first line. A run that did not succeed starts with its status (error, aborted, locked,
 * skipped) and says why and what to do, so stdout alone tells the outcome whatever LOG_LEVEL is:
 *   tasks: error — Notion answered 401 unauthorized … → Set NOTION_TOKEN to the internal …
 *   tasks: error — 2 records failed and are retried on the next run (first: …); incremental — 3 created, …
 */
export function headline(r: RunResult): string {
  if (r.failure) {
    const done = r.created + r.updated + r.deleted + r.restored;
    const before = done ? `; before it stopped: ${r.created} created, ${r.updated} updated, ${r.deleted} deleted, ${r.restored} restored` : '';
    return `${r.dataset}: ${r.status === 'aborted' ? 'aborted' : 'error'} — ${withFix(r.failure, r.dataset)}${before}`;
  }
  if (r.status === 'error' && r.errors.length) {
    const n = r.errors.length;
    return `${r.dataset}: error — ${n} record${n === 1 ? '' : 's'} failed and ${n === 1 ? 'is' : 'are'} retried on the next run (first: ${r.errors[0].error}); ${summarize(r).slice(r.dataset.length + 2)}`;
  }
  return summarize(r);
}

/** The message, and the fix a known kind of failure has (the same advice notifications give). */
function withFix(message: string, dataset: string): string {
  const problem = classifyMessage(message, dataset.replace(/_google$/, ''));
  if (problem.key.startsWith('error:') || message.includes(problem.action)) return message; // unknown kind: the message is all there is
  return `${message} → ${problem.action}`;
}

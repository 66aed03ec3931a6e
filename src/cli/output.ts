import type { RunResult } from '../engine/result.ts';
import { summarize } from '../engine/result.ts';

/** The `--json` shape: stable snake_case keys a script can rely on. */
export function resultsToJson(results: RunResult[]) {
  const ok = results.every((r) => r.status === 'success' || r.status === 'skipped');
  return {
    status: ok ? 'success' : 'error',
    notion_requests: results.reduce((n, r) => n + r.notionRequests, 0),
    datasets: results.map((r) => ({
      dataset: r.dataset,
      status: r.status,
      mode: r.mode,
      dry_run: r.dryRun,
      created: r.created,
      updated: r.updated,
      deleted: r.deleted,
      restored: r.restored,
      unchanged: r.unchanged,
      skipped: r.skipped,
      errors: r.errors.length,
      notion_requests: r.notionRequests,
      duration_ms: r.durationMs,
      message: r.message,
      ...(r.errors.length ? { error_details: r.errors.slice(0, 50) } : {}),
      ...(r.plan ? { plan: r.plan } : {}),
    })),
  };
}

/** Human output: one summary line per dataset, then the dry-run plan and errors. */
export function printResult(r: RunResult, write: (line: string) => void): void {
  write(summarize(r));
  for (const e of r.plan ?? []) {
    if (e.action === 'create') write(`  + create ${e.key}`);
    else if (e.action === 'delete') write(`  - delete ${e.key} (trashed in Notion)`);
    else write(`  ~ ${e.restore ? 'restore' : 'update'} ${e.key}: ${e.fields.map((f) => `${f.field} ${JSON.stringify(f.from)} → ${JSON.stringify(f.to)}`).join(', ')}`);
  }
  for (const e of r.errors.slice(0, 20)) write(`  ! ${e.error}`);
  if (r.errors.length > 20) write(`  … and ${r.errors.length - 20} more errors (see sync_logs)`);
  for (const w of r.warnings.slice(0, 5)) write(`  · ${w}`);
}

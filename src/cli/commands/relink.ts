import type { Config } from '../../config/index.ts';
import type { RunContext } from '../../engine/context.ts';
import { runRelink } from '../../engine/relink/runRelink.ts';
import type { RunResult } from '../../engine/result.ts';
import type { Logger } from '../../lib/logger.ts';
import type { Store } from '../../store/types.ts';
import { createRunContext, openMigratedStore } from '../app.ts';
import { UsageError, type ParsedCommand } from '../args.ts';

const SOURCE = { sync_links: 'sync_links', row_id: 'row-id property', email: 'email', phone: 'phone' } as const;

/** Injected by tests: the store and the run context (defaults: the configured ones). */
export interface RelinkDeps {
  openStore?: (config: Config, logger: Logger) => Promise<Store>;
  context?: (config: Config, store: Store, logger: Logger) => RunContext;
}

/**
 * `jarvis-sync relink [dataset] [--dry-run] [--json]`: rebuilds lost links of one two-way dataset
 * (every one when none is named) without syncing anything else; `--dry-run` prints what it would
 * restore and the ambiguities, and changes nothing. Exit 0 unless a run failed or was locked.
 */
export async function relinkCommand(cmd: ParsedCommand, config: Config, logger: Logger, out: (s: string) => void, deps: RelinkDeps = {}): Promise<number> {
  const target = cmd.positionals[0];
  const twoWay = config.datasets.filter((d) => d.pattern === 'two-way');
  if (cmd.positionals.length > 1) throw new UsageError(`relink takes one dataset (got ${cmd.positionals.join(' ')})`);
  const named = target ? config.datasets.find((d) => d.name === target) : undefined;
  if (target && !named) throw new UsageError(`unknown dataset "${target}": one of ${config.datasets.map((d) => d.name).join(', ')}`);
  const datasets = named ? [named] : twoWay.filter((d) => d.enabled && d.databaseId);
  const dryRun = Boolean(cmd.flags['dry-run']);

  const store = await (deps.openStore ?? openMigratedStore)(config, logger);
  try {
    const ctx = (deps.context ?? createRunContext)(config, store, logger);
    const results: RunResult[] = [];
    for (const ds of datasets) results.push(await runRelink(ctx, ds, { dryRun }));
    if (cmd.flags.json) out(JSON.stringify(results.map(({ plan: _plan, ...r }) => r), null, 2));
    else for (const r of results) printRelink(r, out);
    if (!datasets.length) out('relink: no two-way dataset is configured (set NOTION_<DATASET>_DATABASE_ID)');
    return results.every((r) => r.status === 'success' || r.status === 'skipped') ? 0 : 1;
  } finally {
    await store.close();
  }
}

function printRelink(r: RunResult, out: (s: string) => void): void {
  out(r.message);
  const verb = r.dryRun ? 'would restore' : 'restored';
  for (const l of r.relinked ?? []) out(`  ${verb} row ${l.recordId} → page ${l.pageId} (from ${SOURCE[l.source]})`);
  for (const a of r.ambiguousLinks ?? []) out(`  ambiguous, left as is: ${a.reason}`);
  for (const e of r.errors.slice(0, 10)) out(`  error ${e.key}: ${e.error}`);
}

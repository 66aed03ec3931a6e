import { requireNotionToken, type Config } from '../../config/index.ts';
import { runAll, runDatasetSteps } from '../../engine/runAll.ts';
import type { RunResult } from '../../engine/result.ts';
import type { Logger } from '../../lib/logger.ts';
import { createRunContext, openMigratedStore } from '../app.ts';
import { numberFlag, UsageError, type ParsedCommand } from '../args.ts';
import { printResult, resultsToJson } from '../output.ts';

/** `jarvis-sync sync <dataset|all>`: exit code 0 only when every run succeeded. */
export async function syncCommand(cmd: ParsedCommand, config: Config, logger: Logger, out: (s: string) => void): Promise<number> {
  const target = cmd.positionals[0];
  const names = config.datasets.map((d) => d.name);
  if (!target) throw new UsageError(`sync needs a dataset: one of ${names.join(', ')}, or all`);
  if (cmd.positionals.length > 1) throw new UsageError(`sync takes one dataset (got ${cmd.positionals.join(' ')})`);
  const ds = config.datasets.find((d) => d.name === target);
  if (target !== 'all' && !ds) throw new UsageError(`unknown dataset "${target}": one of ${names.join(', ')}, or all`);
  const hours = numberFlag(cmd.flags, 'hours', { min: 0.01, max: 24 * 3650 });
  if (hours !== undefined && cmd.flags.full) throw new UsageError('--hours and --full cannot be combined');
  const opts = { full: Boolean(cmd.flags.full), hours, dryRun: Boolean(cmd.flags['dry-run']), force: Boolean(cmd.flags.force) };
  const json = Boolean(cmd.flags.json);
  if (!config.google.credentials) requireNotionToken(config);

  const store = await openMigratedStore(config, logger);
  try {
    const ctx = createRunContext(config, store, logger);
    const print = (r: RunResult) => (json ? undefined : printResult(r, out));
    const results = ds ? await runDatasetSteps(ctx, ds, opts) : await runAll(ctx, opts, print);
    if (ds) results.forEach(print);
    const summary = resultsToJson(results);
    if (json) out(JSON.stringify(summary, null, 2));
    return summary.status === 'success' ? 0 : 1;
  } finally {
    await store.close();
  }
}

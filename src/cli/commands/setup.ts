/**
 * `jarvis-sync setup [--dry-run]`: prepares the Notion side of every configured two-way dataset.
 *
 * A two-way dataset needs a rich_text property (the dataset's `rowIdProperty`, "Supabase ID" by
 * default) where each page remembers its Postgres row id, so that an interrupted create is found
 * again instead of duplicated. setup adds it when it is missing (an idempotent schema PATCH); with
 * --dry-run it only says it would. It also checks, and only reports, the properties the mapping
 * expects: missing, of the wrong type, or a relation to another data source than its dataset's.
 *
 * One line per dataset. Exit code 0 when every configured two-way dataset is ready, 1 when
 * something still needs the user (a mapping problem, a Notion error, or a dry run that would add
 * a property), 2 on bad usage or configuration (thrown, and printed by main).
 */
import { ConfigError, requireNotionToken, type Config, type ResolvedDataset } from '../../config/index.ts';
import { idFromIdOrUrl, type DataSourceInfo, type NotionConnector } from '../../connectors/notion/index.ts';
import { DEFAULT_ROW_ID_PROPERTY, syncOrder } from '../../datasets/index.ts';
import { checkMapping, describeMappingProblems, syncedSources, type MappingProblem } from '../../datasets/mappingCheck.ts';
import type { Logger } from '../../lib/logger.ts';
import { createConfiguredNotion } from '../app.ts';
import { UsageError, type ParsedCommand } from '../args.ts';

const ROW_ID_TYPE = 'rich_text';

export type SetupStatus = 'ready' | 'needs_action' | 'skipped';

export interface SetupOutcome {
  dataset: string;
  status: SetupStatus;
  /** The dataset's line, without the "<dataset>: " prefix. */
  message: string;
  /** Properties added (or, in a dry run, that would be added). */
  added: string[];
  /** Mapping problems the user must fix in Notion or in the config file. */
  problems: string[];
}

export async function setupCommand(cmd: ParsedCommand, config: Config, logger: Logger, out: (s: string) => void): Promise<number> {
  if (cmd.positionals.length > 0) throw new UsageError(`setup takes no arguments (got ${cmd.positionals.join(' ')})`);
  const dryRun = Boolean(cmd.flags['dry-run']);
  requireNotionToken(config);
  const datasets = twoWayDatasets(config);
  // A malformed id is a configuration error (exit 2), found before any request.
  for (const ds of datasets) {
    if (!ds.enabled || !ds.databaseId) continue;
    try {
      idFromIdOrUrl(ds.databaseId, 'database or data source id');
    } catch {
      throw new ConfigError(`${ds.databaseIdEnv} (${ds.name}) is not a Notion id: expected the 32 hex digits of the database id, or its URL`);
    }
  }
  const notion = createConfiguredNotion(config, logger);
  const outcomes = await setupTwoWay(notion, datasets, { dryRun, logger, allDatasets: config.datasets }, (o) => out(`${o.dataset}: ${o.message}`));
  if (outcomes.every((o) => o.status === 'skipped')) {
    out(`no two-way dataset is configured: set ${datasets.map((d) => d.databaseIdEnv).join(', ')} to their Notion database ids`);
    return 0;
  }
  return outcomes.some((o) => o.status === 'needs_action') ? 1 : 0;
}

/** The two-way datasets of the config, in the sync order (relation targets before their users). */
export function twoWayDatasets(config: Config): ResolvedDataset[] {
  const rank = (name: string) => (syncOrder.includes(name) ? syncOrder.indexOf(name) : syncOrder.length);
  return config.datasets.filter((d) => d.pattern === 'two-way').sort((a, b) => rank(a.name) - rank(b.name));
}

/**
 * Checks (and, unless dryRun, prepares) each dataset in turn; `onOutcome` sees each result as soon
 * as it is known. Notion errors are reported per dataset, never thrown.
 */
export async function setupTwoWay(
  notion: NotionConnector,
  datasets: ResolvedDataset[],
  /** allDatasets: every configured dataset, to tell which relations point at synced ones (default: `datasets`). */
  opts: { dryRun: boolean; logger?: Logger; allDatasets?: ResolvedDataset[] },
  onOutcome?: (o: SetupOutcome) => void,
): Promise<SetupOutcome[]> {
  const dataSourceOf = new Map<string, string>();
  const outcomes: SetupOutcome[] = [];
  for (const ds of datasets) {
    const outcome = await setupOne(notion, ds, dataSourceOf, { dryRun: opts.dryRun, allDatasets: opts.allDatasets ?? datasets });
    opts.logger?.info({ dataset: ds.name, status: outcome.status, added: outcome.added, problems: outcome.problems, dryRun: opts.dryRun }, 'setup');
    outcomes.push(outcome);
    onOutcome?.(outcome);
  }
  return outcomes;
}

async function setupOne(
  notion: NotionConnector,
  ds: ResolvedDataset,
  dataSourceOf: Map<string, string>,
  opts: { dryRun: boolean; allDatasets: ResolvedDataset[] },
): Promise<SetupOutcome> {
  const outcome = (status: SetupStatus, message: string, added: string[] = [], problems: MappingProblem[] = []): SetupOutcome => ({
    dataset: ds.name,
    status,
    message,
    added,
    problems: problems.map((p) => p.message),
  });
  if (!ds.enabled) return outcome('skipped', 'disabled in the config file');
  if (!ds.databaseId) return outcome('skipped', `not configured (set ${ds.databaseIdEnv} to its Notion database id)`);

  let info: DataSourceInfo;
  try {
    info = await notion.resolveDataSource(ds.databaseId);
  } catch (e) {
    return outcome('needs_action', `error — ${(e as Error).message}`);
  }
  dataSourceOf.set(ds.name, info.dataSourceId);
  const where = `"${info.title || 'Untitled'}"`;

  const rowId = ds.rowIdProperty ?? DEFAULT_ROW_ID_PROPERTY;
  const check = checkMapping({ ...ds, rowIdProperty: rowId }, info.properties, { sources: syncedSources(opts.allDatasets, dataSourceOf) });
  // A missing row-id property is what setup is for; everything else is the user's to fix.
  const rowIdMissing = check.problems.some((p) => p.about === 'row-id' && p.missing);
  const problems = check.problems.filter((p) => !(p.about === 'row-id' && p.missing));
  const added: string[] = [];
  let addedNote = '';
  if (rowIdMissing) {
    added.push(rowId);
    if (opts.dryRun) {
      const fix = `would add "${rowId}" (${ROW_ID_TYPE}) to ${where} — run without --dry-run to add it`;
      return outcome('needs_action', problems.length ? `${fix}; ${describeProblems(where, problems)}` : fix, added, problems);
    }
    try {
      const after = await notion.addProperties(info.dataSourceId, { [rowId]: { [ROW_ID_TYPE]: {} } });
      if (after.properties[rowId]?.type !== ROW_ID_TYPE) {
        return outcome('needs_action', `error — Notion accepted "${rowId}" but ${where} does not show it as ${ROW_ID_TYPE}; add it in Notion by hand`, [], problems);
      }
    } catch (e) {
      return outcome('needs_action', `error — could not add "${rowId}" to ${where}: ${(e as Error).message}`, [], problems);
    }
    addedNote = `added "${rowId}" (${ROW_ID_TYPE}) to ${where}`;
  }

  if (problems.length) {
    return outcome('needs_action', addedNote ? `${addedNote}; ${describeProblems(where, problems)}` : describeProblems(where, problems), added, problems);
  }
  return outcome('ready', addedNote ? `ready — ${addedNote}` : `ready — ${where} has every mapped property and "${rowId}"`, added);
}

function describeProblems(where: string, problems: MappingProblem[]): string {
  return `needs attention — ${where}: ${describeMappingProblems(problems)}`;
}

/**
 * `jarvis-sync inspect <notion database id or url> [--name N] [--direction two-way] [--json] [--write [--force]]`:
 * reads a Notion database's schema and prints the config stanza that syncs it — every property a
 * field under a column name, with the column type the sync will create and the properties it cannot
 * store — so that a database of your own is one command and a copy-paste (or --write) away.
 *
 * Requests: the database (its data sources), the data source (its properties); a third, reading the
 * first 25 pages, only when a date or formula property's column type depends on its values.
 * Nothing is written to Notion; --write changes only the config file.
 */
import { resolve } from 'node:path';
import { loadConfig, type Config } from '../../config/index.ts';
import { idFromIdOrUrl, type NotionConnector } from '../../connectors/notion/index.ts';
import { DEFAULT_ROW_ID_PROPERTY } from '../../datasets/index.ts';
import type { Logger } from '../../lib/logger.ts';
import { createConfiguredNotion } from '../app.ts';
import { UsageError, type ParsedCommand } from '../args.ts';
import { IDENTIFIER, identifierFrom } from '../inspect/names.ts';
import { databaseIdFromArgument } from '../inspect/notionRef.ts';
import { renderInspection, stanzaJson } from '../inspect/render.ts';
import { inspectDataSource, needsSamples, type Direction } from '../inspect/stanza.ts';
import { writeStanza } from '../inspect/writeConfig.ts';

/** Pages read to tell days from times and a formula's result type. */
export const SAMPLE_PAGES = 25;
const DEFAULT_CONFIG_FILE = 'jarvis-sync.config.json';

export interface InspectOptions {
  env?: Record<string, string | undefined>;
  cwd?: string;
  /** Tests pass the connector; otherwise the one the config describes. */
  notion?: NotionConnector;
  /** Where the --write confirmation goes when --json keeps stdout for the stanza (default stderr). */
  err?: (s: string) => void;
}

export async function inspectCommand(cmd: ParsedCommand, config: Config, logger: Logger, out: (s: string) => void, opts: InspectOptions = {}): Promise<number> {
  const { id, name: requestedName, direction, json, write, force } = parseInspectArgs(cmd);
  const env = opts.env ?? process.env;
  const err = opts.err ?? ((s: string) => process.stderr.write(s + '\n'));
  const notion = opts.notion ?? createConfiguredNotion(config, logger);

  const info = await notion.resolveDataSource(id);
  const samples = needsSamples(info) ? await notion.samplePages(info.dataSourceId, SAMPLE_PAGES) : [];
  const name = requestedName ?? identifierFrom(info.title, 'notion_database');
  const synced = config.datasets.filter((d) => d.enabled && d.databaseId).map((d) => dashedOrNull(d.databaseId!)).filter((x): x is string => x !== null);
  const inspection = inspectDataSource({ info, samples, name, direction, syncedDatabaseIds: synced, rowIdProperty: DEFAULT_ROW_ID_PROPERTY });
  const already = config.datasets.find((d) => d.databaseId && [info.databaseId, info.dataSourceId].includes(dashedOrNull(d.databaseId)));
  if (already) inspection.notes.push(`This database is already synced as dataset "${already.name}".`);

  const cwd = opts.cwd ?? process.cwd();
  const written = write
    ? writeStanza(configFileFor(cmd, config, env, cwd), name, inspection.stanza, { force, validate: (path) => loadConfig({ env, cwd, configPath: path }) })
    : null;
  if (json) out(stanzaJson(inspection));
  else for (const line of renderInspection(inspection)) out(line);

  if (written) {
    const verb = written.replaced ? 'Replaced' : 'Added';
    const message = `${verb} datasets.${name} in ${written.file}${written.created ? ' (new file)' : ''}. Next: jarvis-sync migrate, then jarvis-sync sync ${name}.`;
    if (json) err(message);
    else {
      out('');
      out(message);
    }
  } else if (!json) {
    out('');
    out(`Add it to your config file with --write (or paste it under "datasets"), then run jarvis-sync migrate and jarvis-sync sync ${name}.`);
  }
  return 0;
}

interface InspectArgs {
  id: string;
  name: string | undefined;
  direction: Direction;
  json: boolean;
  write: boolean;
  force: boolean;
}

/** Every usage problem found before any request (exit 2). */
export function parseInspectArgs(cmd: ParsedCommand): InspectArgs {
  if (cmd.positionals.length > 1) throw new UsageError(`inspect takes one database id or link (got ${cmd.positionals.length}: ${cmd.positionals.join(' ')})`);
  const id = databaseIdFromArgument(cmd.positionals[0]);
  const name = cmd.flags.name;
  if (name !== undefined && (typeof name !== 'string' || !IDENTIFIER.test(name))) {
    throw new UsageError(`--name must be a lower-case SQL identifier (letters, digits, underscore; at most 63 characters), as it names the table too (got "${String(name)}")`);
  }
  const direction = cmd.flags.direction ?? 'notion-to-postgres';
  if (direction !== 'notion-to-postgres' && direction !== 'two-way') throw new UsageError(`--direction must be notion-to-postgres or two-way (got "${String(direction)}")`);
  if (cmd.flags.force && !cmd.flags.write) throw new UsageError('--force only goes with --write (it replaces a dataset of the same name in the config file)');
  return { id, name, direction, json: Boolean(cmd.flags.json), write: Boolean(cmd.flags.write), force: Boolean(cmd.flags.force) };
}

/** The config file --write adds to: the one loaded, else --config, JARVIS_CONFIG or ./jarvis-sync.config.json (created). */
function configFileFor(cmd: ParsedCommand, config: Config, env: Record<string, string | undefined>, cwd: string): string {
  if (config.configFile) return config.configFile;
  const flag = typeof cmd.flags.config === 'string' ? cmd.flags.config : undefined;
  return resolve(cwd, flag ?? (env.JARVIS_CONFIG?.trim() || DEFAULT_CONFIG_FILE));
}

function dashedOrNull(idOrUrl: string): string | null {
  try {
    return idFromIdOrUrl(idOrUrl, 'database id');
  } catch {
    return null;
  }
}

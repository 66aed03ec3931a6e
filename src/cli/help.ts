/**
 * `jarvis-sync help [command]`, `jarvis-sync <command> --help`: the global page, or one command's
 * usage, flags and examples. `sync` also lists the datasets (with what each syncs and its env
 * variable) and the config file keys. Only light modules are imported: help starts at once.
 */
import { configFileSchema, datasetOverrideSchema } from '../config/schema.ts';
import { describeSource } from '../datasets/describe.ts';
import { presetDatasets } from '../datasets/index.ts';
import type { DatasetDescriptor } from '../datasets/types.ts';
import { HELP, UsageError } from './args.ts';

interface CommandHelp {
  usage: string;
  summary: string;
  flags?: Array<[string, string]>;
  examples?: string[];
  more?: () => string[];
}

const CONFIG = ['--config F', 'config file (default ./jarvis-sync.config.json, or JARVIS_CONFIG)'] as [string, string];

const COMMANDS: Record<string, CommandHelp> = {
  sync: {
    usage: 'jarvis-sync sync <dataset|all> [--full] [--hours N] [--dry-run] [--force] [--json]',
    summary: 'Runs one dataset (or all, in the spec\'s order) once and exits. Exit 0 when every step succeeded, 1 when one failed, was aborted or locked, 2 for a usage or configuration error.',
    flags: [
      ['--full', 'read everything on both sides: finds deletions and rebuilds links (the nightly run)'],
      ['--hours N', 'incremental window: records edited in the last N hours instead of since the last run (24 is the spec\'s default; --full wins over it)'],
      ['--dry-run', 'report what would change, with the plan per record; change nothing'],
      ['--force', 'proceed even when the deletion valve would stop the run (an intended mass deletion)'],
      ['--json', 'machine-readable summary on stdout'],
      CONFIG,
    ],
    examples: ['jarvis-sync sync all', 'jarvis-sync sync books --full --dry-run', 'jarvis-sync sync tasks --hours 24 --json'],
    more: () => ['Datasets:', ...presetDatasets.map(describeDataset), '', ...configKeys()],
  },
  relink: {
    usage: 'jarvis-sync relink [dataset] [--dry-run] [--json]',
    summary:
      'Rebuilds lost links of a two-way dataset (every one when none is named), as each full run does before planning any create: a row whose notion_page_id was cleared gets its page back from sync_links, else from the page\'s "Supabase ID", else (contacts) by email, then phone; contacts also get back a cleared google_resource_name. A link more than one row or page could claim is reported, never guessed. Nothing else is synced.',
    flags: [
      ['--dry-run', 'print what would be restored and the ambiguities; change nothing'],
      ['--json', 'the results as JSON on stdout'],
      CONFIG,
    ],
    examples: ['jarvis-sync relink --dry-run', 'jarvis-sync relink journals'],
  },
  inspect: {
    usage: 'jarvis-sync inspect <notion database id or url> [--name N] [--direction two-way] [--json] [--write [--force]]',
    summary:
      'Reads a Notion database\'s schema (two requests; a third reads 25 pages when a date or formula property\'s type depends on its values) and prints the config stanza that syncs it: every property a field under a column name (lower-case, never one of the standard columns), then a table of property → column → column type, and the properties that cannot be stored (a button) with the reason. Accepts the database\'s id (dashes optional) or its link, with or without workspace, title and ?v=.',
    flags: [
      ['--name N', 'the dataset\'s name, and its table (default: from the database\'s title)'],
      ['--direction D', 'notion-to-postgres (default: Postgres a read-only copy) or two-way'],
      ['--json', 'print only the stanza'],
      ['--write', 'add the stanza to the config file (refused when it already has a dataset of that name)'],
      ['--force', 'with --write: replace a dataset of the same name'],
      CONFIG,
    ],
    examples: [
      'jarvis-sync inspect https://www.notion.so/acme/Recipes-0123456789abcdef0123456789abcdef?v=fedcba9876543210fedcba9876543210',
      'jarvis-sync inspect 0123456789abcdef0123456789abcdef --name recipes --direction two-way --write',
      'jarvis-sync inspect 0123456789abcdef0123456789abcdef --json > recipes.json',
    ],
  },
  start: {
    usage: 'jarvis-sync start',
    summary: 'Runs the service (as serve). With no credentials configured it starts the demo: local Notion and Google emulators with sample data, synced into an embedded database.',
    flags: [CONFIG],
    examples: ['npm start', 'jarvis-sync start'],
  },
  serve: {
    usage: 'jarvis-sync serve [--host H] [--port N]',
    summary: 'The service: HTTP API (POST /sync/<dataset>, GET /health, /status, /metrics), the dashboard, the scheduler and the webhook receivers. Ctrl-C drains running syncs and stops.',
    flags: [
      ['--host H', 'listen address (default 127.0.0.1; anything else needs SYNC_API_TOKEN)'],
      ['--port N', 'listen port (default 8787)'],
      CONFIG,
    ],
    examples: ['jarvis-sync serve', 'SYNC_API_TOKEN=… jarvis-sync serve --host 0.0.0.0 --port 8080'],
  },
  setup: {
    usage: 'jarvis-sync setup [--dry-run]',
    summary: 'Prepares Notion for the two-way datasets: adds the "Supabase ID" property where it is missing and reports mapping problems.',
    flags: [['--dry-run', 'report only'], CONFIG],
    examples: ['jarvis-sync setup --dry-run', 'jarvis-sync setup'],
  },
  migrate: {
    usage: 'jarvis-sync migrate',
    summary: 'Applies the database migrations (every start does too) and creates or completes the dataset tables. A table jarvis-sync did not create is never altered unless adopted (datasets.<name>.adopt).',
    flags: [CONFIG],
    examples: ['DATABASE_URL=postgres://… jarvis-sync migrate'],
  },
  status: {
    usage: 'jarvis-sync status [--json]',
    summary: 'The health (last sync, syncs and success rate in 24 h, whether one is running) and each dataset\'s last run, from the database. Exit 0 healthy, 1 degraded or nothing synced yet.',
    flags: [['--json', 'the /health object plus datasets'], CONFIG],
    examples: ['jarvis-sync status', 'jarvis-sync status --json'],
  },
  doctor: {
    usage: 'jarvis-sync doctor',
    summary: 'Checks the config, the database (and any pooler in front of it), the credentials and every database id; says what to fix. Writes nothing. Exit 0 when every check passed.',
    flags: [CONFIG],
    examples: ['jarvis-sync doctor'],
  },
  auth: {
    usage: 'jarvis-sync auth google [--port N] [--no-browser]',
    summary: 'Authorizes Google in a browser and prints GOOGLE_REFRESH_TOKEN for .env (needs GOOGLE_CLIENT_ID and GOOGLE_CLIENT_SECRET).',
    flags: [
      ['--port N', 'port of the local redirect listener'],
      ['--no-browser', 'only print the URL to open'],
    ],
    examples: ['jarvis-sync auth google >> .env'],
  },
  demo: {
    usage: 'jarvis-sync demo [--once]',
    summary: 'A sample workspace in local emulators, synced into an embedded database, with periodic edits on every side.',
    flags: [['--once', 'one pass in the terminal, then exit']],
    examples: ['jarvis-sync demo --once'],
  },
  emulate: {
    usage: 'jarvis-sync emulate notion|google [--port N] [--host H] [--seed FILE]',
    summary: 'Runs the Notion or Google emulator on its own (for trying jarvis-sync or another client against it).',
    flags: [
      ['--port N', 'listen port'],
      ['--host H', 'listen address (default 127.0.0.1)'],
      ['--seed FILE', 'a JSON workspace to start from'],
    ],
    examples: ['jarvis-sync emulate notion --port 4010'],
  },
};

export function helpText(command?: string): string {
  if (!command || command === 'help') return HELP;
  const c = COMMANDS[command];
  if (!c) throw new UsageError(`no help for "${command}": commands are ${Object.keys(COMMANDS).join(', ')}`);
  const width = Math.max(...(c.flags ?? []).map(([f]) => f.length), 0) + 2;
  return [
    `Usage: ${c.usage}`,
    '',
    c.summary,
    ...(c.flags?.length ? ['', 'Options:', ...c.flags.map(([f, d]) => `  ${f.padEnd(width)}${d}`)] : []),
    ...(c.examples?.length ? ['', 'Examples:', ...c.examples.map((e) => `  ${e}`)] : []),
    ...(c.more ? ['', ...c.more()] : []),
  ].join('\n');
}

function describeDataset(d: DatasetDescriptor): string {
  const id = d.databaseIdEnv ? `, ${d.databaseIdEnv}` : ', needs Google credentials';
  return `  ${d.name.padEnd(12)}${describeSource(d)} (table ${d.table}${id})`;
}

/** The config file's keys, read off its schema so this page never falls behind it. */
function configKeys(): string[] {
  const lines = ['Config file keys (jarvis-sync.config.json; README "Configuration" says what each does):'];
  for (const [key, schema] of Object.entries(configFileSchema.shape)) {
    if (key === 'datasets') lines.push(`  datasets.<name>.{${Object.keys(datasetOverrideSchema.shape).join(', ')}}`);
    else {
      const inner = objectKeys(schema);
      lines.push(inner ? `  ${key}.{${inner.join(', ')}}` : `  ${key}`);
    }
  }
  return lines;
}

function objectKeys(schema: unknown): string[] | null {
  let s = schema as { shape?: Record<string, unknown>; unwrap?: () => unknown } | undefined;
  for (let i = 0; s && !s.shape && typeof s.unwrap === 'function' && i < 5; i++) s = s.unwrap() as typeof s;
  return s?.shape ? Object.keys(s.shape) : null;
}

import { parseArgs } from 'node:util';

/** A usage problem: printed as one line with a hint, exit code 2. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

export interface ParsedCommand {
  command: string;
  positionals: string[];
  flags: Record<string, string | boolean | undefined>;
}

const OPTIONS = {
  full: { type: 'boolean' },
  hours: { type: 'string' },
  'dry-run': { type: 'boolean' },
  force: { type: 'boolean' },
  json: { type: 'boolean' },
  once: { type: 'boolean' },
  port: { type: 'string' },
  host: { type: 'string' },
  seed: { type: 'string' },
  config: { type: 'string' },
  interval: { type: 'string' },
  'no-browser': { type: 'boolean' },
  name: { type: 'string' },
  direction: { type: 'string' },
  write: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
  version: { type: 'boolean', short: 'v' },
} as const;

export function parseCommand(argv: string[]): ParsedCommand {
  let parsed;
  try {
    parsed = parseArgs({ args: argv, options: OPTIONS, allowPositionals: true, strict: true });
  } catch (e) {
    throw new UsageError((e as Error).message.split('\n')[0]!);
  }
  const [command = 'help', ...positionals] = parsed.positionals;
  return { command, positionals, flags: parsed.values as Record<string, string | boolean | undefined> };
}

/** Parses a positive number flag, or throws a UsageError naming it. */
export function numberFlag(flags: ParsedCommand['flags'], name: string, opts: { min: number; max: number; integer?: boolean }): number | undefined {
  const raw = flags[name];
  if (raw === undefined) return undefined;
  const n = Number(raw);
  if (typeof raw !== 'string' || raw.trim() === '' || !Number.isFinite(n) || n < opts.min || n > opts.max || (opts.integer && !Number.isInteger(n))) {
    throw new UsageError(`--${name} must be ${opts.integer ? 'an integer' : 'a number'} between ${opts.min} and ${opts.max} (got "${String(raw)}")`);
  }
  return n;
}

export const HELP = `jarvis-sync — keeps Notion, Postgres/Supabase and Google in agreement

Usage:
  jarvis-sync start                        run the service (demo mode when no credentials are configured)
  jarvis-sync serve [--host H] [--port N]  the service: HTTP API, dashboard, scheduler, webhooks
  jarvis-sync sync <dataset|all> [--full] [--hours N] [--dry-run] [--force] [--json]
  jarvis-sync relink [dataset] [--dry-run] rebuild lost links (cleared notion_page_id) from sync_links, the
                                           "Supabase ID" property, natural keys; report ambiguous ones
  jarvis-sync setup [--dry-run]            prepare Notion for the two-way datasets: add the "Supabase ID"
                                           property where missing, report mapping problems
  jarvis-sync inspect <database id|url> [--name N] [--direction two-way] [--json] [--write [--force]]
                                           print the config stanza that syncs a Notion database of
                                           your own (every property: its column and type)
  jarvis-sync migrate                      apply database migrations
  jarvis-sync status [--json]              health, and the last run of each dataset (from the database)
  jarvis-sync doctor                       check config, database, credentials and database ids; say what to fix
  jarvis-sync auth google [--port N] [--no-browser]
                                           authorize Google in a browser; prints GOOGLE_REFRESH_TOKEN for .env
  jarvis-sync demo [--once]                sample workspace in a local Notion emulator, synced into PGlite
  jarvis-sync emulate notion|google [--port N] [--host H] [--seed FILE]
  jarvis-sync help [command]                a command's options and examples (also: <command> --help)

Datasets: contacts, meetings, tasks, reflections, journals, calendar, gmail, books, highlights
(\`jarvis-sync help sync\` says what each syncs, and the config file keys).

Options:
  --full        read everything on both sides (finds deletions)
  --hours N     incremental window: records edited in the last N hours
  --dry-run     report what would change; change nothing
  --force       proceed even when the deletion valve would stop the run
  --json        machine-readable summary on stdout
  --config F    config file (default ./jarvis-sync.config.json, or JARVIS_CONFIG)
  --no-browser  auth google: only print the URL to open

Environment: NOTION_TOKEN, NOTION_BASE_URL, NOTION_<DATASET>_DATABASE_ID, DATABASE_URL,
JARVIS_DATA_DIR, NOTION_REQUESTS_PER_SECOND, LOG_LEVEL, LOG_FORMAT; the service: HOST, PORT, SYNC_API_TOKEN
(required to listen beyond 127.0.0.1), NOTION_WEBHOOK_VERIFICATION_TOKEN, GOOGLE_CALENDAR_WEBHOOK_TOKEN.
Variables are also read from ./.env (or JARVIS_ENV_FILE); the environment wins. See README.md.`;

/**
 * Bad configuration: config files and environment variables. Each must be refused at load time with
 * one line that names the setting (a ConfigError, exit code 2 in the CLI) — before anything
 * connects anywhere — while a valid neighbour setting still loads.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config/index.ts';
import type { CorpusArea, CorpusCase } from './support.ts';

export type ConfigCtx = Record<string, never>;

const BASE_ENV = { NOTION_TOKEN: 'secret_corpus', NOTION_BOOKS_DATABASE_ID: '0123456789abcdef0123456789abcdef' };

function load(opts: { file?: string | object; env?: Record<string, string> }) {
  const dir = mkdtempSync(join(tmpdir(), 'jarvis-corpus-config-'));
  let configPath: string | undefined;
  if (opts.file !== undefined) {
    configPath = join(dir, 'jarvis-sync.config.json');
    writeFileSync(configPath, typeof opts.file === 'string' ? opts.file : JSON.stringify(opts.file));
  }
  return () => loadConfig({ env: { ...BASE_ENV, ...opts.env }, cwd: dir, configPath });
}

/** `message` with … standing for any text, as a pattern. */
export function messagePattern(message: string): RegExp {
  return new RegExp(message.split('…').map((part) => part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('.*'));
}

/**
 * Refused with a ConfigError whose message is `message` (… = any text; the config file's path):
 * one line, or `opts.lines` lines when the input has that many problems (one line each).
 */
function refused(id: string, input: string, opts: { file?: string | object; env?: Record<string, string>; lines?: number }, message: string, note = ''): CorpusCase<ConfigCtx> {
  const pattern = messagePattern(message);
  return {
    id,
    input,
    outcome: `refused at start: "${message}"${note}`,
    async run() {
      let error: unknown;
      try {
        load(opts)();
      } catch (e) {
        error = e;
      }
      expect(error, 'refused').toBeInstanceOf(ConfigError);
      const message = (error as Error).message;
      expect(message).toMatch(pattern);
      expect(message.split('\n').length, 'one line per problem').toBe(opts.lines ?? 1);
      // Nothing else affected: the same setup without the bad input loads.
      expect(() => loadConfig({ env: BASE_ENV, cwd: mkdtempSync(join(tmpdir(), 'jarvis-corpus-config-')) })).not.toThrow();
    },
  };
}

const cases: Array<CorpusCase<ConfigCtx>> = [
  refused('config-table-injection', 'datasets.books.table = "books; DROP TABLE books"', { file: { datasets: { books: { table: 'books; DROP TABLE books' } } } }, 'config file …: datasets.books.table: must be a lower-case SQL identifier (letters, digits, underscore; at most 63 characters)'),
  refused('config-table-quote', 'datasets.books.table = \'books"--\'', { file: { datasets: { books: { table: 'books"--' } } } }, 'config file …: datasets.books.table: must be a lower-case SQL identifier …'),
  refused('config-table-upper', 'datasets.books.table = "Books"', { file: { datasets: { books: { table: 'Books' } } } }, 'config file …: datasets.books.table: must be a lower-case SQL identifier …'),
  refused('config-table-64', 'a 64-character table name', { file: { datasets: { books: { table: 'b'.repeat(64) } } } }, 'config file …: datasets.books.table: must be a lower-case SQL identifier (letters, digits, underscore; at most 63 characters)'),
  refused('config-table-schema', 'datasets.books.table = "pg_catalog.pg_class"', { file: { datasets: { books: { table: 'pg_catalog.pg_class' } } } }, 'config file …: datasets.books.table: must be a lower-case SQL identifier …'),
  refused('config-column-injection', 'datasets.books.columns.title = \'title"; DROP TABLE x; --\'', { file: { datasets: { books: { columns: { title: 'title"; DROP TABLE x; --' } } } } }, 'config file …: datasets.books.columns.title: must be a lower-case SQL identifier …'),
  refused('config-unknown-key', 'an unknown top-level key "notoin"', { file: { notoin: { baseUrl: 'x' } } }, 'config file …: (top level): unknown key(s) notoin'),
  refused('config-unknown-nested-key', 'datasets.books.tabel (a typo)', { file: { datasets: { books: { tabel: 'x' } } } }, 'config file …: datasets.books: unknown key(s) tabel'),
  refused('config-unknown-dataset', 'datasets.movies', { file: { datasets: { movies: {} } } }, '…: datasets.movies is not a known dataset (built in: contacts, meetings, tasks, reflections, journals, calendar, gmail, books, highlights); to define your own, give direction ("notion-to-postgres" or "two-way"), databaseId, table and fields'),
  refused('config-unknown-field', 'datasets.books.properties.isbn', { file: { datasets: { books: { properties: { isbn: 'ISBN' } } } } }, '…: datasets.books has no field "isbn"; fields: title, author, status, rating, finished_at, url, tags'),
  refused('config-proto-key', '"__proto__" keys trying to pollute Object.prototype', { file: '{"__proto__": {"polluted": true}, "sync": {"__proto__": {"safetyValveRatio": 0}}}', lines: 2 }, 'config file …: … unknown key(s) __proto__', ' (one line for each of the two); Object.prototype untouched'),
  refused('config-not-json', 'a config file that is not JSON ("{ sync: ")', { file: '{ sync: ' }, 'config file …jarvis-sync.config.json:1:3 is not valid JSON: …'),
  refused(
    'config-json-trailing-comma',
    'a trailing comma on line 3 of the config file',
    { file: '{\n  "sync": {\n    "overlapSeconds": 120,\n  }\n}\n' },
    'config file …jarvis-sync.config.json:4:3 is not valid JSON: …',
    ' (line and column, not a character offset)',
  ),
  refused('config-json-truncated', 'a config file cut off after its second line', { file: '{\n  "sync": {' }, 'config file …jarvis-sync.config.json:2:12 is not valid JSON: …'),
  refused('config-array', 'a config file holding a JSON array', { file: '[1, 2]' }, 'config file …: (top level): Invalid input: expected object, received array'),
  refused('config-wrong-type', 'notion.requestsPerSecond = "3" (a string)', { file: { notion: { requestsPerSecond: '3' } } }, 'config file …: notion.requestsPerSecond: Invalid input: expected number, received string'),
  refused('config-out-of-range', 'notion.requestsPerSecond = 1000', { file: { notion: { requestsPerSecond: 1000 } } }, 'config file …: notion.requestsPerSecond: Too big: expected number to be <=100'),
  refused('config-overlap-too-small', 'sync.overlapSeconds = 10 (Notion truncates times to the minute)', { file: { sync: { overlapSeconds: 10 } } }, 'config file …: sync.overlapSeconds: Too small: expected number to be >=60'),
  refused('config-bad-enum', 'sync.tieWinner = "google"', { file: { sync: { tieWinner: 'google' } } }, 'config file …: sync.tieWinner: Invalid option: expected one of "notion"|"postgres"'),
  refused('config-bad-cron', 'schedule.all = "every 5 minutes"', { file: { schedule: { all: 'every 5 minutes' } } }, 'config file …: schedule.all: is not a valid cron expression (e.g. "*/15 * * * *")'),
  refused('config-notify-scheme', 'notifications.webhookUrl = "file:///etc/passwd"', { file: { notifications: { webhookUrl: 'file:///etc/passwd' } } }, '…: notifications.webhookUrl must be an http(s) URL (got file:)', ', as NOTIFY_WEBHOOK_URL is (it used to be accepted)'),
  refused('config-missing-file', '--config naming a file that does not exist', {}, 'config file …nope.json does not exist (set by --config or JARVIS_CONFIG)'),
  refused('env-rate-abc', 'NOTION_REQUESTS_PER_SECOND=abc', { env: { NOTION_REQUESTS_PER_SECOND: 'abc' } }, 'NOTION_REQUESTS_PER_SECOND must be a number between 0.01 and 100 (got "abc")'),
  refused('env-rate-zero', 'NOTION_REQUESTS_PER_SECOND=0', { env: { NOTION_REQUESTS_PER_SECOND: '0' } }, 'NOTION_REQUESTS_PER_SECOND must be a number between 0.01 and 100 (got "0")'),
  refused('env-rate-negative', 'NOTION_REQUESTS_PER_SECOND=-3', { env: { NOTION_REQUESTS_PER_SECOND: '-3' } }, 'NOTION_REQUESTS_PER_SECOND must be a number between 0.01 and 100 (got "-3")'),
  refused('env-rate-infinity', 'NOTION_REQUESTS_PER_SECOND=Infinity', { env: { NOTION_REQUESTS_PER_SECOND: 'Infinity' } }, 'NOTION_REQUESTS_PER_SECOND must be a number between 0.01 and 100 (got "Infinity")'),
  refused('env-port-range', 'PORT=99999', { env: { PORT: '99999' } }, 'PORT must be a whole number between 0 and 65535 (got "99999")'),
  refused('env-port-fraction', 'PORT=80.5', { env: { PORT: '80.5' } }, 'PORT must be a whole number between 0 and 65535 (got "80.5")', ' (it used to be accepted, and the server failed to listen)'),
  refused('env-database-url-scheme', 'DATABASE_URL=mysql://root@db/x', { env: { DATABASE_URL: 'mysql://root@db/x' } }, 'DATABASE_URL must start with postgres:// or postgresql:// (got mysql://…)'),
  refused('env-database-url-garbage', 'DATABASE_URL=not a url', { env: { DATABASE_URL: 'not a url' } }, 'DATABASE_URL is not a valid URL: expected postgres://user:password@host:5432/database'),
  refused('env-base-url-file', 'NOTION_BASE_URL=file:///etc/passwd', { env: { NOTION_BASE_URL: 'file:///etc/passwd' } }, 'NOTION_BASE_URL must be an http(s) URL (got file:)'),
  refused('env-log-level', 'LOG_LEVEL=verbose', { env: { LOG_LEVEL: 'verbose' } }, 'LOG_LEVEL must be one of fatal, error, warn, info, debug, trace, silent (got "verbose")'),
  refused('env-google-partial', 'GOOGLE_CLIENT_ID set alone', { env: { GOOGLE_CLIENT_ID: 'x.apps.googleusercontent.com' } }, 'GOOGLE_CLIENT_SECRET and GOOGLE_REFRESH_TOKEN are not set: Google needs …'),
  refused('env-bool', 'CONTACTS_CREATE_IN_GOOGLE=maybe', { env: { CONTACTS_CREATE_IN_GOOGLE: 'maybe' } }, 'CONTACTS_CREATE_IN_GOOGLE must be true or false (got "maybe")'),
  refused('env-notify-format', 'NOTIFY_FORMAT=xml', { env: { NOTIFY_FORMAT: 'xml' } }, 'NOTIFY_FORMAT must be one of json, slack, discord, ntfy (got "xml")'),
  refused('env-gmail-max', 'GMAIL_MAX_MESSAGES=1e9', { env: { GMAIL_MAX_MESSAGES: '1e9' } }, 'GMAIL_MAX_MESSAGES must be a number between 1 and 1000000 (got "1e9")'),
];

// config-missing-file needs an explicit path that does not exist.
const missing = cases.find((c) => c.id === 'config-missing-file')!;
missing.run = async () => {
  expect(() => loadConfig({ env: BASE_ENV, cwd: tmpdir(), configPath: join(mkdtempSync(join(tmpdir(), 'jarvis-corpus-')), 'nope.json') })).toThrow(
    messagePattern('config file …nope.json does not exist (set by --config or JARVIS_CONFIG)'),
  );
};
// config-proto-key must also leave Object.prototype clean.
const proto = cases.find((c) => c.id === 'config-proto-key')!;
const protoRun = proto.run;
proto.run = async (ctx) => {
  try {
    await protoRun(ctx);
  } finally {
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(({} as Record<string, unknown>).safetyValveRatio).toBeUndefined();
  }
};

export const configArea: CorpusArea<ConfigCtx> = { area: 'Configuration and environment', cases };

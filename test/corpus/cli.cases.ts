/**
 * Bad command lines: the real executable (bin/jarvis-sync) with bad flags, datasets, commands,
 * config and environment. Each must exit 2 with one line on stderr saying what to fix (plus the
 * usage hint for usage errors), print nothing on stdout, and touch nothing: no database is created
 * in its data directory and no request is made.
 */
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { expect } from 'vitest';
import { messagePattern } from './config.cases.ts';
import type { CorpusArea, CorpusCase } from './support.ts';

const run = promisify(execFile);
const BIN = join(import.meta.dirname, '../../bin/jarvis-sync');

export interface CliCtx {
  /** A Notion emulator URL the commands are pointed at; the test checks it received no request. */
  notionUrl: string;
}

interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
  dataDir: string;
}

async function cli(args: string[], env: Record<string, string>, files: Record<string, string> = {}): Promise<CliRun> {
  const cwd = mkdtempSync(join(tmpdir(), 'jarvis-corpus-cli-'));
  for (const [name, content] of Object.entries(files)) writeFileSync(join(cwd, name), content);
  const dataDir = join(cwd, 'data');
  try {
    const { stdout, stderr } = await run(BIN, args, { cwd, env: { PATH: process.env.PATH!, HOME: cwd, LOG_LEVEL: 'warn', JARVIS_DATA_DIR: dataDir, ...env }, timeout: 30_000 });
    return { code: 0, stdout, stderr, dataDir };
  } catch (e: any) {
    return { code: e.code, stdout: e.stdout, stderr: e.stderr, dataDir };
  }
}

/** Exit 2, one line `jarvis-sync: <message>` (… = any text; plus the usage hint), nothing on stdout, no database created. */
function usage(id: string, args: string[], message: string, opts: { env?: Record<string, string>; files?: Record<string, string>; hint?: boolean; input?: string } = {}): CorpusCase<CliCtx> {
  const pattern = new RegExp(`^jarvis-sync: ${messagePattern(message).source}$`);
  return {
    id,
    input: opts.input ?? `jarvis-sync ${args.join(' ')}`,
    outcome: `exit 2, stderr "${message}"${opts.hint === false ? '' : ' + the usage hint'}`,
    async run(ctx) {
      const env = { NOTION_TOKEN: 'secret_corpus_cli', NOTION_BASE_URL: ctx.notionUrl, NOTION_BOOKS_DATABASE_ID: '0123456789abcdef0123456789abcdef', ...opts.env };
      const r = await cli(args, env, opts.files);
      expect({ code: r.code, stdout: r.stdout }).toEqual({ code: 2, stdout: '' });
      const lines = r.stderr.trimEnd().split('\n');
      expect(lines[0]).toMatch(pattern);
      expect(lines.slice(1)).toEqual(opts.hint === false ? [] : ['Run `jarvis-sync help` for usage.']);
      expect(existsSync(r.dataDir) ? readdirSync(r.dataDir) : [], 'no database created').toEqual([]);
    },
  };
}

const unsafeConfig = JSON.stringify({ datasets: { books: { table: 'books; DROP TABLE books' } } });

const cases: Array<CorpusCase<CliCtx>> = [
  usage('cli-hours-abc', ['sync', 'books', '--hours', 'abc'], '--hours must be a number between 0.01 and 87600 (got "abc")'),
  usage('cli-hours-zero', ['sync', 'books', '--hours', '0'], '--hours must be a number between 0.01 and 87600 (got "0")'),
  usage('cli-hours-negative', ['sync', 'books', '--hours=-1'], '--hours must be a number between 0.01 and 87600 (got "-1")'),
  usage('cli-unknown-flag', ['sync', 'books', '--bogus'], "Unknown option '--bogus'…"),
  usage('cli-flag-value', ['sync', 'books', '--json=yes'], "Option '--json' does not take an argument"),
  usage('cli-unknown-dataset', ['sync', 'movies'], 'unknown dataset "movies": one of …books…, or all'),
  usage('cli-dataset-injection', ['sync', 'books; rm -rf ~'], 'unknown dataset "books; rm -rf ~": one of …, or all'),
  usage('cli-no-dataset', ['sync'], 'sync needs a dataset: one of contacts, meetings, tasks, reflections, journals, calendar, gmail, books, highlights, or all'),
  usage('cli-two-datasets', ['sync', 'books', 'journals'], 'sync takes one dataset (got books journals)'),
  usage('cli-unknown-command', ['frobnicate'], 'unknown command "frobnicate"'),
  usage('cli-port-range', ['emulate', 'notion', '--port', '99999'], '--port must be an integer between 0 and 65535 (got "99999")'),
  usage('cli-missing-config', ['sync', 'books', '--config', 'nope.json'], 'config file …/nope.json does not exist (set by --config or JARVIS_CONFIG)', { hint: false }),
  usage('cli-unsafe-table', ['sync', 'books'], 'config file …: datasets.books.table: must be a lower-case SQL identifier (letters, digits, underscore; at most 63 characters)', { files: { 'jarvis-sync.config.json': unsafeConfig }, hint: false, input: 'jarvis-sync sync books with datasets.books.table "books; DROP TABLE books" in jarvis-sync.config.json' }),
  usage('cli-bad-env', ['sync', 'books'], 'NOTION_REQUESTS_PER_SECOND must be a number between 0.01 and 100 (got "fast")', { env: { NOTION_REQUESTS_PER_SECOND: 'fast' }, hint: false, input: 'jarvis-sync sync books with NOTION_REQUESTS_PER_SECOND=fast' }),
  usage('cli-no-token', ['sync', 'books'], 'NOTION_TOKEN is not set: create an internal integration at https://www.notion.so/my-integrations, share your databases with it, and export NOTION_TOKEN=<its secret>', { env: { NOTION_TOKEN: '   ' }, hint: false, input: 'jarvis-sync sync books with NOTION_TOKEN set to spaces' }),
];

export const cliArea: CorpusArea<CliCtx> = { area: 'Command line', cases };

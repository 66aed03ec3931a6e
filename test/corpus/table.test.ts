/**
 * The corpus's own bookkeeping: at least 50 cases with unique ids, and the README's "Bad input"
 * table generated from the case lists. The table is written to test/corpus/README-table.md on
 * every run; README.md must hold the same text between its corpus-table markers
 * (UPDATE_CORPUS_TABLE=1 npx vitest run test/corpus/table.test.ts rewrites that part of README.md).
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { cliArea } from './cli.cases.ts';
import { configArea } from './config.cases.ts';
import { httpArea } from './http.cases.ts';
import { notionToPostgres } from './notionToPostgres.cases.ts';
import { postgresToNotion } from './postgresToNotion.cases.ts';
import type { CorpusArea } from './support.ts';

const AREAS: Array<CorpusArea<any>> = [notionToPostgres, postgresToNotion, configArea, httpArea, cliArea];
const START = '<!-- corpus-table:start (generated from test/corpus/*.cases.ts; see test/corpus/table.test.ts) -->';
const END = '<!-- corpus-table:end -->';
const ROOT = join(import.meta.dirname, '../..');

const cell = (s: string) => s.replace(/\|/g, '\\|').replace(/</g, '&lt;').replace(/\n/g, ' ');

export function corpusTable(): string {
  const total = AREAS.reduce((n, a) => n + a.cases.length, 0);
  const out = [`${total} cases.`, ''];
  for (const a of AREAS) {
    out.push(`**${a.area}** (${a.cases.length})`, '', '| case | input | outcome |', '|---|---|---|');
    for (const c of a.cases) out.push(`| \`${c.id}\` | ${cell(c.input)} | ${cell(c.outcome)} |`);
    out.push('');
  }
  return out.join('\n').trimEnd() + '\n';
}

describe('bad-input corpus bookkeeping', () => {
  it('has at least 50 cases, each with a unique id, an input and an outcome', () => {
    const all = AREAS.flatMap((a) => a.cases);
    expect(all.length).toBeGreaterThanOrEqual(50);
    expect(new Set(all.map((c) => c.id)).size).toBe(all.length);
    for (const c of all) {
      expect(c.id).toMatch(/^[a-z0-9-]+$/);
      expect(c.input.length, c.id).toBeGreaterThan(3);
      expect(c.outcome.length, c.id).toBeGreaterThan(3);
    }
  });

  it('README.md shows the table generated from the case lists', () => {
    const table = corpusTable();
    writeFileSync(join(import.meta.dirname, 'README-table.md'), table);
    const readmePath = join(ROOT, 'README.md');
    const readme = readFileSync(readmePath, 'utf8');
    const start = readme.indexOf(START);
    const end = readme.indexOf(END);
    expect(start, `README.md has no "${START}" marker`).toBeGreaterThanOrEqual(0);
    expect(end).toBeGreaterThan(start);
    const current = readme.slice(start + START.length, end).trim() + '\n';
    if (current !== table && process.env.UPDATE_CORPUS_TABLE === '1') {
      writeFileSync(readmePath, `${readme.slice(0, start + START.length)}\n\n${table}\n${readme.slice(end)}`);
      return;
    }
    expect(current, 'README.md is out of date: run UPDATE_CORPUS_TABLE=1 npx vitest run test/corpus/table.test.ts').toBe(table);
  });
});

/**
 * `npm run docs:datasets`: writes the README's dataset table, between its datasets-table markers,
 * from the built-in dataset definitions (src/datasets/describe.ts). test/datasets/readmeTable.test.ts
 * fails when README.md shows another table, so it cannot fall behind a definition.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { datasetsTable } from '../src/datasets/describe.ts';
import { presetDatasets } from '../src/datasets/index.ts';

export const START = '<!-- datasets-table:start (generated from src/datasets/*.ts by `npm run docs:datasets`) -->';
export const END = '<!-- datasets-table:end -->';
export const README = join(import.meta.dirname, '..', 'README.md');

/** The README with the table generated from the definitions between its markers. */
export function withDatasetsTable(readme: string): string {
  const start = readme.indexOf(START);
  const end = readme.indexOf(END);
  if (start < 0 || end < start) throw new Error(`README.md has no "${START}" … "${END}" markers`);
  return `${readme.slice(0, start + START.length)}\n\n${datasetsTable(presetDatasets)}\n${readme.slice(end)}`;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const before = readFileSync(README, 'utf8');
  const after = withDatasetsTable(before);
  if (after === before) console.log('README.md: the dataset table is up to date');
  else {
    writeFileSync(README, after);
    console.log('README.md: dataset table rewritten from src/datasets');
  }
}

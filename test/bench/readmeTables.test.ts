/**
 * The README's performance tables are the figures the last `npm run bench` measured: generated from
 * bench/results/*.json (`npm run bench:report` rewrites them), never typed by hand.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readmeWithTables } from '../../bench/report.ts';

describe('README performance tables', () => {
  it('match bench/results (run `npm run bench:report` after `npm run bench`)', () => {
    const readme = readFileSync(join(import.meta.dirname, '../../README.md'), 'utf8');
    expect(readme).toBe(readmeWithTables(readme));
  });
});

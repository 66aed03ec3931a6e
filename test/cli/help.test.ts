/** Per-command help: each command's own page, with the datasets and config keys where they matter. */
import { describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.ts';
import { helpText } from '../../src/cli/help.ts';
import { HELP } from '../../src/cli/args.ts';
import { configFileSchema, datasetOverrideSchema } from '../../src/config/schema.ts';
import { presetDatasets } from '../../src/datasets/index.ts';

async function cli(argv: string[]): Promise<{ code: number; out: string }> {
  const chunks: string[] = [];
  const write = process.stdout.write;
  process.stdout.write = ((s: string) => (chunks.push(s), true)) as never;
  try {
    const code = await main(argv);
    return { code, out: chunks.join('') };
  } finally {
    process.stdout.write = write;
  }
}

describe('help', () => {
  it('`sync --help`, `help sync` and `sync -h` print the sync page, not the global one', async () => {
    const a = await cli(['sync', '--help']);
    const b = await cli(['help', 'sync']);
    const c = await cli(['sync', '-h']);
    expect(a.code).toBe(0);
    expect(a.out).toBe(b.out);
    expect(c.out).toBe(a.out);
    expect(a.out).toMatch(/^Usage: jarvis-sync sync <dataset\|all> /);
    expect(a.out).toContain('  --dry-run   report what would change');
    expect(a.out).toContain('Examples:\n  jarvis-sync sync all');
    expect(a.out).not.toBe(`${HELP}\n`);
  });

  it('the sync page lists every dataset and every config file key', () => {
    const text = helpText('sync');
    for (const d of presetDatasets) expect(text).toMatch(new RegExp(`^  ${d.name} *\\S.*\\(table ${d.table}`, 'm'));
    for (const key of Object.keys(configFileSchema.shape)) expect(text).toMatch(new RegExp(`\\b${key}\\.`));
    for (const key of Object.keys(datasetOverrideSchema.shape)) expect(text).toMatch(new RegExp(`datasets\\.<name>\\.\\{[^}]*\\b${key}\\b`));
  });

  it('every command has its own page; `serve --help` shows serve\'s flags', async () => {
    for (const command of ['start', 'serve', 'sync', 'setup', 'migrate', 'status', 'doctor', 'auth', 'demo', 'emulate']) {
      expect(helpText(command)).toMatch(new RegExp(`^Usage: jarvis-sync ${command}\\b`));
    }
    expect((await cli(['serve', '--help'])).out).toContain('--port N');
  });

  it('help for an unknown command is a usage error (exit 2); plain help is the global page with the datasets', async () => {
    const stderr = process.stderr.write;
    process.stderr.write = (() => true) as never;
    try {
      expect((await cli(['help', 'nope'])).code).toBe(2);
    } finally {
      process.stderr.write = stderr;
    }
    const g = await cli(['help']);
    expect(g.out).toBe(`${HELP}\n`);
    expect(g.out).toContain('Datasets: contacts, meetings, tasks, reflections, journals, calendar, gmail, books, highlights');
  });
});

/**
 * The compiled CLI (scripts/build.mjs → dist/, what `npm install` builds through `prepare`) is the
 * same program: built into a temp dir here, it prints help, migrates a fresh embedded database
 * (its SQL migrations are found next to the chunks) and serves the dashboard's assets.
 */
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const run = promisify(execFile);
const ROOT = fileURLToPath(new URL('../..', import.meta.url));

describe('compiled CLI', () => {
  let dir: string;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'jarvis-build-'));
    // The chunks import their packages as dist/ does inside the project: from ../node_modules.
    symlinkSync(join(ROOT, 'node_modules'), join(dir, 'node_modules'), 'dir');
    await run(process.execPath, [join(ROOT, 'scripts/build.mjs'), '--outdir', join(dir, 'dist'), '--quiet']);
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  const cli = (args: string[], env: Record<string, string> = {}) =>
    run(process.execPath, ['--input-type=module', '-e', `const { main } = await import(${JSON.stringify(join(dir, 'dist/main.js'))}); process.exitCode = await main(${JSON.stringify(args)});`], {
      cwd: dir,
      env: { PATH: process.env.PATH ?? '', HOME: dir, LOG_LEVEL: 'silent', ...env },
    });

  it('splits commands into chunks and ships the migrations and dashboard assets beside them', () => {
    const files = readdirSync(join(dir, 'dist'));
    expect(files).toContain('main.js');
    expect(files.filter((f) => /^chunk-.*\.js$/.test(f)).length).toBeGreaterThan(3);
    expect(readdirSync(join(dir, 'dist/migrations')).filter((f) => f.endsWith('.sql'))).toEqual(readdirSync(join(ROOT, 'src/store/migrations')).filter((f) => f.endsWith('.sql')));
    expect(readdirSync(join(dir, 'dist/assets')).sort()).toEqual(readdirSync(join(ROOT, 'src/server/dashboard/assets')).sort());
  });

  it('prints help and migrates a new embedded database', async () => {
    const help = await cli(['help']);
    expect(help.stdout).toMatch(/^jarvis-sync/);
    const migrated = await cli(['migrate'], { JARVIS_DATA_DIR: join(dir, 'data') });
    expect(migrated.stdout).toMatch(/^applied \d+ migration\(s\): 0001_core\.sql/);
    expect(existsSync(join(dir, 'data/pgdata'))).toBe(true);
  });
});

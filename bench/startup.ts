/**
 * `npm run bench:startup`: how fast and how light jarvis-sync starts on the embedded default.
 *
 *   help            `jarvis-sync help`, the compiled CLI (dist/), and for comparison through tsx
 *                   (JARVIS_NO_DIST=1, what every start cost before the build step)
 *   first start     `jarvis-sync migrate` in a new data directory: the database is loaded from the
 *                   seed (a pre-initialized PGlite data directory), then migrated; and for
 *                   comparison with JARVIS_PGLITE_SEED=off, which runs PGlite's initdb instead
 *   existing start  `jarvis-sync migrate` again on that database: what every later sync process
 *                   pays before it syncs (open PGlite, check the migrations)
 *
 * Each command runs --runs times (default 5) in a fresh process; the table shows the median wall
 * time and the largest peak RSS. Writes bench/results/startup.json.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs, promisify } from 'node:util';
import { machine } from './common.ts';

const run = promisify(execFile);
const ROOT = join(import.meta.dirname, '..');
const { values } = parseArgs({ options: { runs: { type: 'string', default: '5' } } });
const runs = Number(values.runs);
if (!(Number.isInteger(runs) && runs >= 1)) {
  console.error('usage: npm run bench:startup -- [--runs N]');
  process.exit(2);
}

export interface StartupRow {
  scenario: string;
  wallMs: number;
  peakRssMb: number;
  cpuMs: number;
}

interface Sample {
  wallMs: number;
  maxRssMb: number;
  cpuMs: number;
}

async function measure(args: string[], env: Record<string, string>, cwd: string): Promise<Sample> {
  const rssFile = join(cwd, `rss-${process.hrtime.bigint()}.json`);
  const started = performance.now();
  await run(process.execPath, ['--import', join(ROOT, 'bench/rssOnExit.mjs'), join(ROOT, 'bin/jarvis-sync'), ...args], {
    cwd,
    env: { PATH: process.env.PATH ?? '', HOME: cwd, LOG_LEVEL: 'silent', BENCH_RSS_FILE: rssFile, ...env },
  });
  const wallMs = performance.now() - started;
  const r = JSON.parse(readFileSync(rssFile, 'utf8')) as { maxRssMb: number; cpuMs: number };
  rmSync(rssFile);
  return { wallMs, ...r };
}

function summarize(scenario: string, samples: Sample[]): StartupRow {
  const walls = samples.map((s) => s.wallMs).sort((a, b) => a - b);
  const cpus = samples.map((s) => s.cpuMs).sort((a, b) => a - b);
  return { scenario, wallMs: Math.round(walls[Math.floor(walls.length / 2)]!), peakRssMb: Math.max(...samples.map((s) => s.maxRssMb)), cpuMs: cpus[Math.floor(cpus.length / 2)]! };
}

const dir = mkdtempSync(join(tmpdir(), 'jarvis-bench-startup-'));
const rows: StartupRow[] = [];
try {
  await run(process.execPath, [join(ROOT, 'scripts/build.mjs'), '--quiet', '--seed']); // dist/ and the seed, as npm install leaves them
  const each = async (scenario: string, sample: (i: number) => Promise<Sample>) => {
    const samples: Sample[] = [];
    for (let i = 0; i < runs; i++) samples.push(await sample(i));
    rows.push(summarize(scenario, samples));
    console.log(`${scenario}: ${rows.at(-1)!.wallMs} ms, ${rows.at(-1)!.peakRssMb} MB`);
  };
  await each('help (compiled)', () => measure(['help'], {}, dir));
  await each('help (through tsx)', () => measure(['help'], { JARVIS_NO_DIST: '1' }, dir));
  await each('first start (from the seed)', (i) => measure(['migrate'], { JARVIS_DATA_DIR: join(dir, `seeded-${i}`) }, dir));
  await each('first start (initdb, no seed)', (i) => measure(['migrate'], { JARVIS_DATA_DIR: join(dir, `initdb-${i}`), JARVIS_PGLITE_SEED: 'off' }, dir));
  await each('existing database', () => measure(['migrate'], { JARVIS_DATA_DIR: join(dir, 'seeded-0') }, dir));
} finally {
  rmSync(dir, { recursive: true, force: true });
}
writeFileSync(join(import.meta.dirname, 'results/startup.json'), JSON.stringify({ date: new Date().toISOString(), machine: machine(), runs, rows }, null, 2) + '\n');

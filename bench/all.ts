/**
 * `npm run bench`: the one-way benchmark (bench/run.ts), the two-way one (bench/twoWay.ts), then the
 * Google one (bench/google.ts), then jarvis-sync side by side with notion2pg (bench/peer.ts), one
 * after the other. --records and --rps (Notion's rate) go to the first two and the peer bench,
 * --edit-share to the two-way one; the Google benchmark runs with its own defaults. The peer bench
 * never fails because of the peer: without its mirror, Python modules or PostgreSQL it says so.
 */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { parseArgs } from 'node:util';

const { values } = parseArgs({ options: { records: { type: 'string' }, rps: { type: 'string' }, 'edit-share': { type: 'string' } } });
const common = [...(values.records ? ['--records', values.records] : []), ...(values.rps ? ['--rps', values.rps] : [])];
const benches: Array<[string, string[]]> = [
  ['run.ts', common],
  ['twoWay.ts', [...common, ...(values['edit-share'] ? ['--edit-share', values['edit-share']] : [])]],
  ['google.ts', []],
  ['peer.ts', common],
];
let failed = 0;
for (const [file, args] of benches) {
  const r = spawnSync(process.execPath, ['--import', 'tsx', join(import.meta.dirname, file), ...args], { stdio: 'inherit' });
  if (r.status !== 0) {
    console.error(`bench/${file} exited with ${r.status ?? r.signal}`);
    failed++;
  }
}
process.exitCode = failed ? 1 : 0;

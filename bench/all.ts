/**
 * `npm run bench`: the one-way benchmark (bench/run.ts), then the two-way one (bench/twoWay.ts),
 * one after the other. --records and --rps go to both, --edit-share to the two-way one.
 */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { parseArgs } from 'node:util';

const { values } = parseArgs({ options: { records: { type: 'string' }, rps: { type: 'string' }, 'edit-share': { type: 'string' } } });
const common = [...(values.records ? ['--records', values.records] : []), ...(values.rps ? ['--rps', values.rps] : [])];
const benches: Array<[string, string[]]> = [
  ['run.ts', common],
  ['twoWay.ts', [...common, ...(values['edit-share'] ? ['--edit-share', values['edit-share']] : [])]],
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

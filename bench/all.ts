/**
 * `npm run bench`: every benchmark, one after the other, on PGlite and — when BENCH_DATABASE_URL
 * names a server — on that PostgreSQL too: the one-way benchmark (bench/run.ts) at each size, the
 * two-way one (bench/twoWay.ts) at each size, datasets of your own (bench/configDataset.ts, 10,000
 * pages), the Google one (bench/google.ts), then jarvis-sync
 * side by side with notion2pg (bench/peer.ts, 10,000 pages, once). At 3 requests/second the
 * 100,000-record scenarios take most of the time (about 30 minutes per backend in all, the peer 12 more).
 *
 * Options: --records N[,N…] (default 1000,10000,100000), --rps R (Notion's rate, default 3),
 * --edit-share S (two-way), --backend pglite|postgres|both (default: both with BENCH_DATABASE_URL,
 * else pglite), --only one-way,two-way,config,google,peer. The peer bench never fails because of the
 * peer: without its mirror, Python modules or PostgreSQL it says so.
 */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { parseArgs } from 'node:util';

const { values } = parseArgs({
  options: {
    records: { type: 'string', default: '1000,10000,100000' },
    rps: { type: 'string' },
    'edit-share': { type: 'string' },
    backend: { type: 'string' },
    only: { type: 'string', default: 'one-way,two-way,config,google,peer' },
  },
});
const sizes = values.records!.split(',');
const only = new Set(values.only!.split(','));
const serverUrl = process.env.BENCH_DATABASE_URL;
const backendArg = values.backend ?? (serverUrl ? 'both' : 'pglite');
if (!['pglite', 'postgres', 'both'].includes(backendArg) || (backendArg !== 'pglite' && !serverUrl) || ![...only].every((b) => ['one-way', 'two-way', 'config', 'google', 'peer'].includes(b))) {
  console.error('usage: npm run bench -- [--records N[,N…]] [--rps R] [--edit-share S] [--backend pglite|postgres|both (postgres needs BENCH_DATABASE_URL)] [--only one-way,two-way,config,google,peer]');
  process.exit(2);
}
const backends = backendArg === 'both' ? ['pglite', 'postgres'] : [backendArg];
const rps = values.rps ? ['--rps', values.rps] : [];

let failed = 0;
function bench(file: string, args: string[], backend: string | null): void {
  const env = { ...process.env };
  if (backend === 'pglite') delete env.BENCH_DATABASE_URL;
  const r = spawnSync(process.execPath, ['--import', 'tsx', join(import.meta.dirname, file), ...args], { stdio: 'inherit', env });
  if (r.status !== 0) {
    console.error(`bench/${file} ${args.join(' ')} (${backend ?? 'default backend'}) exited with ${r.status ?? r.signal}`);
    failed++;
  }
}

for (const backend of backends) {
  if (only.has('one-way')) bench('run.ts', ['--records', sizes.join(','), ...rps], backend);
  if (only.has('two-way')) for (const n of sizes) bench('twoWay.ts', ['--records', n, ...rps, ...(values['edit-share'] ? ['--edit-share', values['edit-share']] : [])], backend);
  if (only.has('config')) bench('configDataset.ts', rps, backend);
  if (only.has('google')) bench('google.ts', [], backend);
}
if (only.has('peer')) bench('peer.ts', rps, null);
process.exitCode = failed ? 1 : 0;

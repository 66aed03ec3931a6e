#!/usr/bin/env node
/**
 * Compiles the CLI to JavaScript in dist/ (run by `npm install` through `prepare`, and by
 * `npm run build`), so `jarvis-sync` starts without transpiling TypeScript at every start.
 * esbuild bundles our own code (src/, emulators/) with code splitting — each command is a chunk
 * loaded only when it runs — and leaves node_modules external. The two folders the code finds
 * next to itself through import.meta.url (SQL migrations, dashboard assets) are copied beside the
 * chunks. bin/jarvis-sync uses dist/ only while it is newer than every source file, and falls
 * back to tsx otherwise, so an edit in src/ is never hidden by a stale build.
 * `--seed` also makes the PGlite seed (src/store/pgliteSeed.ts); `--outdir D` builds elsewhere.
 */
import { cpSync, rmSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const root = fileURLToPath(new URL('..', import.meta.url));
// --outdir <dir>: somewhere else than dist/ (the build test compiles into a temp dir).
const outArg = process.argv.indexOf('--outdir');
const dist = outArg > 0 ? process.argv[outArg + 1] : `${root}dist`;
const started = Date.now();
rmSync(dist, { recursive: true, force: true });
await build({
  entryPoints: { main: `${root}src/cli/main.ts`, seed: `${root}src/store/pgliteSeed.ts` },
  outdir: dist,
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  packages: 'external',
  sourcemap: 'linked',
  logLevel: 'warning',
  chunkNames: 'chunk-[hash]',
});
cpSync(`${root}src/store/migrations`, `${dist}/migrations`, { recursive: true });
cpSync(`${root}src/server/dashboard/assets`, `${dist}/assets`, { recursive: true });
writeFileSync(`${dist}/BUILD`, `built ${new Date().toISOString()} from src/ and emulators/ by scripts/build.mjs; do not edit\n`);
if (!process.argv.includes('--quiet')) process.stdout.write(`jarvis-sync: compiled to dist/ in ${Date.now() - started} ms\n`);

// --seed: also make the embedded database's seed (a pre-initialized PGlite data directory, once
// per installed PGlite version), so the first start and every new test database skip initdb.
if (process.argv.includes('--seed')) {
  const t = Date.now();
  try {
    const { ensureSeed } = await import(`${dist}/seed.js`);
    const outcome = await ensureSeed();
    if (!process.argv.includes('--quiet') || outcome === 'created') process.stdout.write(`jarvis-sync: embedded database seed ${outcome} (${Date.now() - t} ms)\n`);
  } catch (e) {
    // Not fatal: without a seed a new database runs initdb, and the first one saves the seed.
    process.stdout.write(`jarvis-sync: no embedded database seed (${e.message}); the first start makes it\n`);
  }
}

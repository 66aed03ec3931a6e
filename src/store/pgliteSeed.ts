/**
 * A new embedded database without initdb. PGlite's initdb (PostgreSQL's, in WASM) takes 8–15 s and
 * ~900 MB on the machines we run on; loading a tarball of a freshly initialized data directory
 * takes a fraction of both. The tarball (the "seed") is made once per installed PGlite version —
 * by `npm install` (scripts/build.mjs → scripts/pglite-seed.mjs), or else by the first process that
 * had to run initdb — and kept in node_modules/.cache/jarvis-sync/, next to the PGlite it belongs
 * to. Migrations run after loading, as on any new database, so the seed never goes stale with them.
 */
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { PGlite } from '@electric-sql/pglite';

interface SeedLocation {
  path: string;
  version: string;
}

let located: SeedLocation | null | undefined;

/** Where the seed of the installed PGlite lives (null when PGlite's package.json cannot be found). */
export function seedLocation(): SeedLocation | null {
  if (located !== undefined) return located;
  located = null;
  // Walk up from this file (src/store/ or a dist/ chunk) to the node_modules that holds PGlite.
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const pkg = join(dir, 'node_modules', '@electric-sql', 'pglite', 'package.json');
    if (existsSync(pkg)) {
      const version = String((JSON.parse(readFileSync(pkg, 'utf8')) as { version?: string }).version ?? 'unknown');
      located = { path: join(dir, 'node_modules', '.cache', 'jarvis-sync', `pglite-${version}-seed.tar.gz`), version };
      return located;
    }
    const up = dirname(dir);
    if (up === dir) return null;
    dir = up;
  }
}

let cached: { path: string; blob: Blob } | null = null;

/**
 * The seed as PGlite's `loadDataDir` takes it, or null when there is none yet (or
 * JARVIS_PGLITE_SEED=off, which makes every new database run initdb: for comparisons).
 */
export function readSeed(path = seedLocation()?.path): Blob | null {
  if (process.env.JARVIS_PGLITE_SEED === 'off' || !path) return null;
  if (cached?.path === path) return cached.blob;
  if (!existsSync(path)) return null;
  cached = { path, blob: new Blob([readFileSync(path)]) };
  return cached.blob;
}

/**
 * Saves a dump of `db` — which must be a database straight out of initdb, nothing created in it —
 * as the seed, atomically (a concurrent reader sees the old file or the whole new one). Best
 * effort: a read-only install simply keeps running initdb.
 */
export async function saveSeed(db: PGlite, path = seedLocation()?.path): Promise<boolean> {
  if (!path || process.env.JARVIS_PGLITE_SEED === 'off') return false;
  try {
    const dump = await db.dumpDataDir('gzip');
    mkdirSync(dirname(path), { recursive: true });
    const tmp = `${path}.${process.pid}.tmp`;
    writeFileSync(tmp, Buffer.from(await dump.arrayBuffer()));
    renameSync(tmp, path);
    return true;
  } catch {
    return false;
  }
}

/** Makes the seed unless it exists (npm install does this once; see scripts/build.mjs). */
export async function ensureSeed(): Promise<'exists' | 'created' | 'unavailable'> {
  if (readSeed()) return 'exists';
  const { PGlite } = await import('@electric-sql/pglite');
  const db = await PGlite.create();
  try {
    return (await saveSeed(db)) ? 'created' : 'unavailable';
  } finally {
    await db.close();
  }
}

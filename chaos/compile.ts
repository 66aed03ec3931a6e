/**
 * The sync processes of the lock campaigns, compiled: chaos/worker.ts and the CLI bundled with
 * esbuild as scripts/build.mjs bundles dist/ (our code bundled, node_modules external, the
 * migrations copied beside the chunks), from the sources as they are now. Through tsx a process
 * spends ~3 s transpiling before it connects; compiled it starts in a fraction of that, and lock
 * scenarios start many short processes (two at once, a successor right after a kill).
 *
 * The bundle goes under node_modules/.cache (its imports of pg, pino … must resolve from the
 * project's node_modules), in a folder of its own that remove() deletes.
 */
import { cpSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build, stop } from 'esbuild';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');

export interface CompiledEntries {
  /** chaos/worker.ts, compiled: `node <worker>`. */
  worker: string;
  /** The CLI, compiled: `node <cli> sync all --json`. */
  cli: string;
  dir: string;
  remove(): void;
}

export async function compileEntries(): Promise<CompiledEntries> {
  const dir = join(ROOT, 'node_modules', '.cache', `jarvis-chaos-${randomBytes(4).toString('hex')}`);
  mkdirSync(dir, { recursive: true });
  const remove = () => rmSync(dir, { recursive: true, force: true });
  try {
    await build({
      entryPoints: { worker: join(ROOT, 'chaos', 'worker.ts'), main: join(ROOT, 'src', 'cli', 'main.ts') },
      outdir: dir,
      bundle: true,
      splitting: true,
      format: 'esm',
      platform: 'node',
      target: 'node20',
      packages: 'external',
      logLevel: 'warning',
      chunkNames: 'chunk-[hash]',
    });
    cpSync(join(ROOT, 'src', 'store', 'migrations'), join(dir, 'migrations'), { recursive: true });
    // bin/jarvis-sync's last line, for the compiled main.
    writeFileSync(join(dir, 'cli.js'), "import { main } from './main.js';\nprocess.exitCode = await main(process.argv.slice(2));\n");
  } catch (e) {
    remove();
    throw e;
  } finally {
    // esbuild's service process would outlive the build (and a test run checks that nothing does).
    await stop();
  }
  return { worker: join(dir, 'worker.js'), cli: join(dir, 'cli.js'), dir, remove };
}

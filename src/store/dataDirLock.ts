/**
 * PGlite is Postgres in single-user mode: two processes opening one data directory would corrupt
 * it (e.g. `jarvis-sync sync` while `jarvis-sync start` runs). A lock file next to the directory,
 * holding the owner's pid, turns that into a clear error. A lock left by a dead process is taken over.
 */
import { openSync, closeSync, writeSync, readFileSync, rmSync } from 'node:fs';

export class DataDirInUseError extends Error {
  constructor(dataDir: string, pid: number) {
    super(`the PGlite data directory ${dataDir} is in use by process ${pid}; stop that process first, or set DATABASE_URL to use a Postgres server that several processes can share`);
    this.name = 'DataDirInUseError';
  }
}

/** Takes the lock for `dataDir`; returns the function that gives it back. */
export function lockDataDir(dataDir: string): () => void {
  const lockPath = `${dataDir}.lock`;
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const fd = openSync(lockPath, 'wx');
      writeSync(fd, String(process.pid));
      closeSync(fd);
      return () => rmSync(lockPath, { force: true });
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      const owner = Number.parseInt(readFileSync(lockPath, 'utf8'), 10);
      // A live owner may be this very process (the directory opened twice): refused as well.
      if (Number.isInteger(owner) && owner > 0 && isAlive(owner)) throw new DataDirInUseError(dataDir, owner);
      rmSync(lockPath, { force: true }); // stale: its owner is gone
    }
  }
  throw new Error(`could not lock ${dataDir}`);
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

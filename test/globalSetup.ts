/**
 * The suite leaves nothing behind, and proves it. Before the first test file: a run id, and a
 * temp dir of the run's own that every test file's (and every child process's) os.tmpdir() points
 * into. After the last: that dir is removed, and the run fails if anything else is left — a new
 * entry in the system temp dir, a process started by the run still alive (found by the run id in
 * its environment, which child processes inherit), a `jarvis_test_<run>_*` database on the
 * TEST_DATABASE_URL server that was not there before. Leftovers are named; the run's processes are
 * killed and its databases dropped, while a temp entry is left where it is (it may be another
 * program's).
 * (Every temp dir the code and the tests make is named jarvis-*, which is what the check looks for.)
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';

const RUN_MARKER = 'JARVIS_TEST_RUN';

/**
 * vitest calls a global setup once per project (vitest.config.ts has two): the first call makes the
 * run, later ones join it, and the last teardown checks. Kept on globalThis because each project
 * may load this module anew; a run started in a test (test/leftovers.test.ts) lives in another
 * process and is a run of its own.
 */
interface SharedRun {
  users: number;
  teardown: () => Promise<void>;
}
const SHARED_RUN = Symbol.for('jarvis-sync.testRun');

export default async function setup(): Promise<() => Promise<void>> {
  const shared = (globalThis as Record<symbol, SharedRun | undefined>)[SHARED_RUN];
  if (shared) {
    shared.users++;
    return () => release(shared);
  }
  const run: SharedRun = { users: 1, teardown: await startRun() };
  (globalThis as Record<symbol, SharedRun | undefined>)[SHARED_RUN] = run;
  return () => release(run);
}

async function release(run: SharedRun): Promise<void> {
  if (--run.users > 0) return;
  delete (globalThis as Record<symbol, SharedRun | undefined>)[SHARED_RUN];
  await run.teardown();
}

async function startRun(): Promise<() => Promise<void>> {
  const systemTmp = tmpdir();
  const before = new Set(readdirSync(systemTmp));
  const runDir = mkdtempSync(join(systemTmp, 'jarvis-test-run-'));
  const runId = runDir.slice(runDir.lastIndexOf('-') + 1);
  process.env.TMPDIR = runDir;
  process.env[RUN_MARKER] = runId;
  const databasesBefore = await testDatabases(runId);

  return async () => {
    const problems: string[] = [];
    const alive = processesOfRun(runId);
    for (const p of alive) {
      try {
        process.kill(p.pid, 'SIGKILL');
      } catch {
        // gone meanwhile
      }
    }
    if (alive.length) problems.push(`${alive.length} process(es) started by the tests were still running: ${alive.map((p) => `${p.pid} ${p.cmd}`).join('; ')}`);

    rmSync(runDir, { recursive: true, force: true });
    // Only names of our making count: another program (or another suite's run dir) may write to the
    // system temp dir meanwhile, and every temp dir jarvis-sync or its tests make is jarvis-*.
    // Named, not removed: a jarvis-* entry that appeared meanwhile may be another program's (a bench,
    // another checkout's test run) still in use, and deleting it would break that program.
    const left = readdirSync(systemTmp).filter((e) => !before.has(e) && /^jarvis-/.test(e) && !/^jarvis-test-run-/.test(e));
    if (left.length) problems.push(`left in ${systemTmp} (outside the run's own temp dir; not removed, in case another program is using it): ${left.join(', ')}`);

    const databases = (await testDatabases(runId)).filter((d) => !databasesBefore.includes(d));
    if (databases.length) {
      await dropDatabases(databases);
      problems.push(`test databases not dropped: ${databases.join(', ')}`);
    }
    if (problems.length) throw new Error(`the tests left things behind (processes killed, databases dropped):\n- ${problems.join('\n- ')}`);
  };
}

/** Processes (other than this one) whose environment carries this run's id. */
function processesOfRun(runId: string): Array<{ pid: number; cmd: string }> {
  const found: Array<{ pid: number; cmd: string }> = [];
  let pids: string[];
  try {
    pids = readdirSync('/proc').filter((d) => /^\d+$/.test(d));
  } catch {
    return found; // not Linux: nothing to look at
  }
  for (const pid of pids) {
    if (Number(pid) === process.pid) continue;
    try {
      const env = readFileSync(`/proc/${pid}/environ`, 'latin1');
      if (!env.split('\0').includes(`${RUN_MARKER}=${runId}`)) continue;
      const stat = readFileSync(`/proc/${pid}/stat`, 'latin1');
      const [state, ppid] = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      if (state === 'Z') continue; // exited, waiting for its parent to reap it
      if (Number(ppid) === process.pid) continue; // vitest's own worker, exiting with the run
      found.push({ pid: Number(pid), cmd: readFileSync(`/proc/${pid}/cmdline`, 'latin1').replace(/\0/g, ' ').trim().slice(0, 120) });
    } catch {
      // gone, or not ours to read
    }
  }
  return found;
}

async function withAdmin<T>(fn: (c: pg.Client) => Promise<T>): Promise<T | null> {
  const url = process.env.TEST_DATABASE_URL;
  if (!url) return null;
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

/** This run's test databases (test/helpers/stores.ts names them jarvis_test_<run>_<random>). */
async function testDatabases(runId: string): Promise<string[]> {
  const prefix = `jarvis_test_${runId.toLowerCase().replace(/[^a-z0-9]/g, '')}_`;
  return (await withAdmin(async (c) => (await c.query<{ datname: string }>(`SELECT datname FROM pg_database WHERE starts_with(datname, $1)`, [prefix])).rows.map((r) => r.datname))) ?? [];
}

async function dropDatabases(names: string[]): Promise<void> {
  await withAdmin(async (c) => {
    for (const n of names) await c.query(`DROP DATABASE IF EXISTS "${n.replace(/"/g, '""')}" WITH (FORCE)`);
  });
}

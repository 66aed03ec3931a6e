/**
 * The suite's own leftover check (test/globalSetup.ts) catches what it promises to: a temp dir left
 * outside the run's dir, and a process the run started that still runs. Run here inside the suite,
 * one level down: the "system" temp dir is then this run's own.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import setup from './globalSetup.ts';

it('fails the run, naming them, when a temp dir or a process is left behind — kills the process, leaves the temp dir to its owner', async () => {
  const saved = { TMPDIR: process.env.TMPDIR, JARVIS_TEST_RUN: process.env.JARVIS_TEST_RUN };
  const outer = tmpdir();
  const teardown = await setup();
  let child: ReturnType<typeof spawn> | undefined;
  try {
    expect(tmpdir()).not.toBe(outer); // the inner run's own dir
    mkdirSync(join(outer, 'jarvis-forgotten-abc'));
    // Through a shell, as a test's own child would be (the check skips vitest's workers, the children
    // of the process running it — here, this worker). It inherits the run id.
    child = spawn('/bin/sh', ['-c', `"${process.execPath}" -e 'console.log("up"); setInterval(() => {}, 1000)' & wait`], { stdio: ['ignore', 'pipe', 'ignore'] });
    await new Promise((resolve) => child!.stdout!.once('data', resolve)); // the grandchild runs
    const exited = new Promise((resolve) => child!.once('exit', resolve));
    await expect(teardown()).rejects.toThrow(/process\(es\) started by the tests were still running: \d+ .*setInterval[\s\S]*left in [^\n]*jarvis-forgotten-abc/);
    await exited; // the check killed it
  } finally {
    child?.kill('SIGKILL');
    process.env.TMPDIR = saved.TMPDIR;
    process.env.JARVIS_TEST_RUN = saved.JARVIS_TEST_RUN;
  }
  // Named but not removed: the check cannot tell a test's leftover from another program's dir in use.
  expect(existsSync(join(outer, 'jarvis-forgotten-abc'))).toBe(true);
  rmSync(join(outer, 'jarvis-forgotten-abc'), { recursive: true });
});

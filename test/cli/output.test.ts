/** The human line of each run outcome starts with its status and says why and what to do. */
import { describe, expect, it } from 'vitest';
import { headline } from '../../src/cli/output.ts';
import { emptyResult, type RunResult } from '../../src/engine/result.ts';

function result(patch: Partial<RunResult>): RunResult {
  return { ...emptyResult('tasks', 'incremental', false), notionRequests: 1, durationMs: 100, ...patch };
}

describe('headline', () => {
  it('a run that failed as a whole: "error —", the reason, and the fix for a known kind of failure', () => {
    const msg = 'Cannot connect to Postgres at 127.0.0.1:5432: ECONNREFUSED';
    const line = headline(result({ status: 'error', message: msg, failure: msg }));
    expect(line).toMatch(/^tasks: error — Cannot connect to Postgres at 127\.0\.0\.1:5432: ECONNREFUSED → Check that the database server is running/);
    expect(line).not.toMatch(/0 created/);
  });

  it('an unknown failure says its message alone, and what was done before it stopped', () => {
    expect(headline(result({ status: 'error', created: 2, message: 'boom', failure: 'boom' }))).toBe('tasks: error — boom; before it stopped: 2 created, 0 updated, 0 deleted, 0 restored');
  });

  it('a valve: "aborted —" with the way out', () => {
    const msg = 'Deletion valve triggered: the run would delete 40 of 50 tasks rows';
    expect(headline(result({ status: 'aborted', message: msg, failure: msg }))).toMatch(/^tasks: aborted — Deletion valve triggered: .* → Check the source for a mass deletion; if it is intended, run `jarvis-sync sync tasks --force` once\.$/);
  });

  it('record errors: "error —", how many, the first, and that they are retried; then the counts', () => {
    const line = headline(result({ status: 'error', created: 3, errors: [{ key: 'p1', error: 'Notion refused: Status "Blocked" is not an option' }, { key: 'p2', error: 'x' }] }));
    expect(line).toBe('tasks: error — 2 records failed and are retried on the next run (first: Notion refused: Status "Blocked" is not an option); incremental — 3 created, 0 updated, 0 deleted, 0 restored, 0 unchanged, 2 errors, 1 Notion requests, 0.1 s');
  });

  it('locked and skipped say so; a success is the plain summary', () => {
    expect(headline(result({ status: 'locked', message: 'another sync of tasks is already running (held by nas pid 7 since …); try again when it finishes' }))).toMatch(/^tasks: locked — another sync of tasks is already running \(held by nas pid 7/);
    expect(headline(result({ status: 'skipped', message: 'not configured' }))).toBe('tasks: skipped — not configured');
    expect(headline(result({ created: 1 }))).toBe('tasks: incremental — 1 created, 0 updated, 0 deleted, 0 restored, 0 unchanged, 0 errors, 1 Notion requests, 0.1 s');
  });
});

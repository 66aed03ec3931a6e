/**
 * `jarvis-sync setup` as a user runs it: the real executable in a child process, against a Notion
 * emulator served from this test process (setup needs no database).
 */
import { execFile } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createNotionEmulator } from '../../emulators/notion/index.ts';
import { sampleTwoWayWorkspace } from '../../emulators/samples/notionWorkspace.ts';

const run = promisify(execFile);
const BIN = join(import.meta.dirname, '../../bin/jarvis-sync');
const TOKEN = 'secret_setup';
const TWO_WAY = ['contacts', 'meetings', 'tasks', 'reflections', 'journals'];

async function cli(args: string[], env: Record<string, string>) {
  const cwd = mkdtempSync(join(tmpdir(), 'jarvis-setup-'));
  try {
    const { stdout, stderr } = await run(BIN, args, { cwd, env: { PATH: process.env.PATH!, HOME: process.env.HOME ?? '/tmp', LOG_LEVEL: 'warn', ...env }, timeout: 60_000 });
    return { code: 0, stdout, stderr };
  } catch (e: any) {
    return { code: e.code as number, stdout: e.stdout as string, stderr: e.stderr as string };
  }
}

/** The two-way sample workspace as a user starts with it: no "Supabase ID" anywhere. */
function workspaceWithoutRowIds() {
  const sample = sampleTwoWayWorkspace({ contacts: 4, meetings: 3, tasks: 3, reflections: 2, journals: 2 });
  for (const db of sample.seed.databases) delete db.properties['Supabase ID'];
  return sample;
}

describe('jarvis-sync setup', () => {
  const { seed, ids } = workspaceWithoutRowIds();
  const emulator = createNotionEmulator({ seed, tokens: [TOKEN] });
  const dataSources = [ids.contactsDataSource, ids.meetingsDataSource, ids.tasksDataSource, ids.reflectionsDataSource, ids.journalsDataSource];
  let env: Record<string, string>;
  beforeAll(async () => {
    env = {
      NOTION_TOKEN: TOKEN,
      NOTION_BASE_URL: await emulator.listen(0, '127.0.0.1'),
      NOTION_CONTACTS_DATABASE_ID: ids.contactsDatabase,
      NOTION_MEETINGS_DATABASE_ID: ids.meetingsDatabase.replaceAll('-', ''),
      NOTION_TASKS_DATABASE_ID: ids.tasksDatabase,
      NOTION_REFLECTIONS_DATABASE_ID: ids.reflectionsDataSource, // a data source id works too
      NOTION_JOURNALS_DATABASE_ID: ids.journalsDatabase,
      NOTION_REQUESTS_PER_SECOND: '50',
    };
  });
  afterAll(() => emulator.close());
  const rowIdTypes = () => dataSources.map((ds) => emulator.listPages(ds)[0]!.properties['Supabase ID']?.type ?? null);

  it('--dry-run reports the missing property, changes nothing and exits 1; setup adds it (exit 0); a second run says everything is ready', async () => {
    emulator.resetCounts();
    const dry = await cli(['setup', '--dry-run'], env);
    expect(dry.stderr).toBe('');
    expect(dry.code).toBe(1);
    expect(dry.stdout.trim().split('\n')).toEqual(TWO_WAY.map((name) => expect.stringMatching(new RegExp(`^${name}: would add "Supabase ID" \\(rich_text\\) to "\\w+"`))));
    expect(rowIdTypes()).toEqual([null, null, null, null, null]);
    expect(emulator.requestCounts['PATCH /v1/data_sources/:id']).toBeUndefined();

    const first = await cli(['setup'], env);
    expect(first.stderr).toBe('');
    expect(first.code).toBe(0);
    expect(first.stdout.trim().split('\n')).toEqual(TWO_WAY.map((name) => expect.stringMatching(new RegExp(`^${name}: ready — added "Supabase ID" \\(rich_text\\) to "\\w+"$`))));
    expect(rowIdTypes()).toEqual(['rich_text', 'rich_text', 'rich_text', 'rich_text', 'rich_text']);
    expect(emulator.requestCounts['PATCH /v1/data_sources/:id']).toBe(5);

    const second = await cli(['setup'], env);
    expect(second.code).toBe(0);
    expect(second.stdout.trim().split('\n')).toEqual(TWO_WAY.map((name) => expect.stringMatching(new RegExp(`^${name}: ready — "\\w+" has every mapped property and "Supabase ID"$`))));
    expect(emulator.requestCounts['PATCH /v1/data_sources/:id']).toBe(5); // nothing more to add
  });

  it('reports a property of the wrong type and a missing one (exit 1), still adding "Supabase ID"; unconfigured datasets get a line', async () => {
    const broken = workspaceWithoutRowIds();
    const tasks = broken.seed.databases.find((d) => d.title === 'Tasks')!;
    tasks.properties.Due = { type: 'rich_text' };
    delete tasks.properties.Priority;
    for (const p of tasks.pages!) {
      delete p.properties!.Due;
      delete p.properties!.Priority;
    }
    const other = createNotionEmulator({ seed: broken.seed, tokens: [TOKEN] });
    try {
      const r = await cli(['setup'], { NOTION_TOKEN: TOKEN, NOTION_BASE_URL: await other.listen(0, '127.0.0.1'), NOTION_TASKS_DATABASE_ID: broken.ids.tasksDatabase });
      expect(r.code).toBe(1);
      const lines = r.stdout.trim().split('\n');
      expect(lines).toHaveLength(5);
      expect(lines[0]).toBe('contacts: not configured (set NOTION_CONTACTS_DATABASE_ID to its Notion database id)');
      expect(lines[2]).toBe(
        'tasks: added "Supabase ID" (rich_text) to "Tasks"; needs attention — "Tasks": ' +
          'property "Due" (column due_date) is rich_text, expected date: change it to date in Notion, or map the field to a property of type date (datasets.tasks.properties.due_date); ' +
          'property "Priority" (column priority) is not in the Notion database: add it in Notion, or map the field to another property (datasets.tasks.properties.priority)',
      );
      expect(other.listPages(broken.ids.tasksDataSource)[0]!.properties['Supabase ID']?.type).toBe('rich_text');
    } finally {
      await other.close();
    }
  });

  it.each([
    [['setup'], { NOTION_TOKEN: '' }, /^jarvis-sync: NOTION_TOKEN is not set/],
    [['setup'], { NOTION_TASKS_DATABASE_ID: 'not-an-id' }, /^jarvis-sync: NOTION_TASKS_DATABASE_ID \(tasks\) is not a Notion id/],
    [['setup', 'tasks'], {}, /^jarvis-sync: setup takes no arguments/],
  ])('%j with %j stops with a one-line error and exit 2', async (args, extra, message) => {
    const r = await cli(args, { ...env, ...extra });
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr.split('\n')[0]).toMatch(message);
    expect(r.stderr).not.toContain(TOKEN);
  });
});

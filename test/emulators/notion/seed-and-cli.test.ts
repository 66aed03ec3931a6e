/** Seeds (JSON files, order-independent relations, computed properties) and the CLI entry point. */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from '@notionhq/client';
import { afterEach, describe, expect, it } from 'vitest';
import { runNotionEmulatorCli } from '../../../emulators/notion/cli.ts';
import { createNotionEmulator, loadSeedFile, type NotionEmulator } from '../../../emulators/notion/index.ts';
import { FakeClock } from '../../../src/lib/clock.ts';
import { BOOKS_DS, NOTES_DS, smallSeed } from './helpers.ts';

let emulator: NotionEmulator | null = null;
afterEach(async () => {
  await emulator?.close();
  emulator = null;
});

describe('seeds', () => {
  it('loads a JSON seed file; relations may point forward; timestamps are truncated to the minute', () => {
    const dir = mkdtempSync(join(tmpdir(), 'notion-seed-'));
    const path = join(dir, 'seed.json');
    const seed = smallSeed();
    seed.databases[1].pages![0].created_time = '2026-01-01T10:00:42.123Z';
    writeFileSync(path, JSON.stringify(seed));
    emulator = createNotionEmulator({ clock: new FakeClock(), seed: loadSeedFile(path) });
    const note = emulator.getPage('55555555555545558555555555555555')!;
    expect(note.properties.Book).toEqual({ id: expect.any(String), type: 'relation', relation: [{ id: '66666666-6666-4666-8666-666666666666' }], has_more: false });
    expect(note.properties.Pages.rollup).toEqual({ type: 'number', number: 412, function: 'sum' });
    const dune = emulator.getPage('66666666-6666-4666-8666-666666666666')!;
    expect(dune.created_time).toBe('2026-01-01T10:00:00.000Z');
    expect(dune.last_edited_time).toBe('2026-01-01T10:00:00.000Z');
    expect(dune.properties.Key.unique_id).toEqual({ prefix: 'BK', number: 1 });
    expect(dune.properties.Echo.formula).toEqual({ type: 'string', string: 'Frank Herbert' });
    expect(dune.properties.Tags.multi_select.map((o: any) => o.name)).toEqual(['Sci-Fi', 'Classic']);
    expect(emulator.listPages(NOTES_DS)).toHaveLength(1);
  });

  it('reports which seed entry is wrong', () => {
    const seed = smallSeed();
    seed.databases[1].pages![0].properties!.Pages = { number: 'lots' };
    expect(() => createNotionEmulator({ seed })).toThrow(/Seed database "Books", page 0 .*Pages/);
  });

  it('control edits: trashPage hides a page from listPages unless includeTrashed', () => {
    emulator = createNotionEmulator({ clock: new FakeClock(), seed: smallSeed() });
    emulator.trashPage('66666666-6666-4666-8666-666666666666');
    expect(emulator.listPages(BOOKS_DS)).toHaveLength(1);
    expect(emulator.listPages(BOOKS_DS, { includeTrashed: true })).toHaveLength(2);
    const restored = emulator.trashPage('66666666-6666-4666-8666-666666666666', false);
    expect(restored.in_trash).toBe(false);
    expect(emulator.getPage('00000000-0000-4000-8000-000000000000')).toBeUndefined();
  });

  it('createDatabase returns both ids and can be used as a handler inside another server', async () => {
    emulator = createNotionEmulator({ clock: new FakeClock() });
    const { databaseId, dataSourceId } = emulator.createDatabase({ title: 'Tasks', properties: { Task: { type: 'title' }, Due: { type: 'date' } } });
    const { createServer } = await import('node:http');
    const server = createServer((req, res) => emulator!.handle(req, res));
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    const port = (server.address() as any).port;
    const client = new Client({ auth: 'x', baseUrl: `http://127.0.0.1:${port}`, retry: false });
    const db: any = await client.databases.retrieve({ database_id: databaseId });
    expect(db.data_sources).toEqual([{ id: dataSourceId, name: 'Tasks' }]);
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
  });
});

describe('runNotionEmulatorCli', () => {
  it('starts on a port with the seed, prints the URL, and paces at 3 rps with bursts of 10', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'notion-cli-'));
    const seedPath = join(dir, 'seed.json');
    writeFileSync(seedPath, JSON.stringify(smallSeed()));
    const lines: string[] = [];
    // A clock that stands still: the bucket cannot refill while the 11 requests are in flight, however slow the machine.
    emulator = await runNotionEmulatorCli({ port: 0, seedPath, log: (l) => lines.push(l), clock: new FakeClock() });
    expect(lines[0]).toBe(`Notion emulator listening on ${emulator.url}`);
    expect(lines.join('\n')).toMatch(/token/i);
    const client = new Client({ auth: 'anything', baseUrl: emulator.url, retry: false, logger: () => {} });
    const results = await Promise.allSettled(Array.from({ length: 11 }, () => client.dataSources.retrieve({ data_source_id: BOOKS_DS })));
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(10);
    expect(results.filter((r) => r.status === 'rejected').map((r: any) => r.reason.code)).toEqual(['rate_limited']);
  });
});

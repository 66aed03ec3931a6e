/** Shared setup for the Notion emulator tests: an emulator on a FakeClock and an SDK client without retries. */
import { Client } from '@notionhq/client';
import { createNotionEmulator } from '../../../emulators/notion/index.ts';
import type { NotionEmulator, NotionEmulatorOptions, SeedFile } from '../../../emulators/notion/index.ts';
import { FakeClock } from '../../../src/lib/clock.ts';

export const TOKEN = 'secret_emulator_test';

export const BOOKS_DB = '11111111-1111-4111-8111-111111111111';
export const BOOKS_DS = '22222222-2222-4222-8222-222222222222';
export const NOTES_DB = '33333333-3333-4333-8333-333333333333';
export const NOTES_DS = '44444444-4444-4444-8444-444444444444';

/** Two databases; Notes relates to Books (declared before Books, to prove seeds are order-independent). */
export function smallSeed(): SeedFile {
  return {
    databases: [
      {
        id: NOTES_DB,
        dataSourceId: NOTES_DS,
        title: 'Notes',
        properties: {
          Name: { type: 'title' },
          Book: { type: 'relation', relation: { data_source_id: 'Books' } },
          Pages: { type: 'rollup', rollup: { relation_property_name: 'Book', rollup_property_name: 'Pages', function: 'sum' } },
        },
        pages: [{ id: '55555555-5555-4555-8555-555555555555', properties: { Name: { title: [{ text: { content: 'On Dune' } }] }, Book: { relation: [{ id: '66666666-6666-4666-8666-666666666666' }] } } }],
      },
      {
        id: BOOKS_DB,
        dataSourceId: BOOKS_DS,
        title: 'Books',
        properties: {
          Title: { type: 'title' },
          Author: { type: 'rich_text' },
          Status: { type: 'select', select: { options: [{ name: 'To Read' }, { name: 'Reading' }, { name: 'Finished' }] } },
          Pages: { type: 'number', number: { format: 'number' } },
          Done: { type: 'checkbox' },
          Tags: { type: 'multi_select', multi_select: { options: [] } },
          Stage: { type: 'status' },
          Finished: { type: 'date' },
          Link: { type: 'url' },
          Key: { type: 'unique_id', unique_id: { prefix: 'BK' } },
          Echo: { type: 'formula', formula: { expression: 'prop("Author")' } },
          Edited: { type: 'last_edited_time' },
        },
        pages: [
          {
            id: '66666666-6666-4666-8666-666666666666',
            created_time: '2026-01-01T10:00:00.000Z',
            properties: {
              Title: { title: [{ text: { content: 'Dune' } }] },
              Author: { rich_text: [{ text: { content: 'Frank Herbert' } }] },
              Status: { select: { name: 'Finished' } },
              Pages: { number: 412 },
              Tags: { multi_select: [{ name: 'Sci-Fi' }, { name: 'Classic' }] },
            },
          },
          {
            id: '77777777-7777-4777-8777-777777777777',
            created_time: '2026-01-02T10:00:00.000Z',
            properties: {
              Title: { title: [{ text: { content: 'Deep Work' } }] },
              Author: { rich_text: [{ text: { content: 'Cal Newport' } }] },
              Status: { select: { name: 'Reading' } },
              Pages: { number: 296 },
            },
          },
        ],
      },
    ],
  };
}

export interface Started {
  emulator: NotionEmulator;
  clock: FakeClock;
  client: Client;
  url: string;
  /** A client for another API version. */
  clientFor(notionVersion: string): Client;
}

export async function start(opts: NotionEmulatorOptions = {}): Promise<Started> {
  const clock = (opts.clock as FakeClock | undefined) ?? new FakeClock('2026-01-05T09:00:30.000Z');
  const emulator = createNotionEmulator({ clock, ...opts });
  const url = await emulator.listen();
  // The SDK warns on every failed request; these tests fail requests on purpose.
  const quiet = () => {};
  const clientFor = (notionVersion: string) => new Client({ auth: TOKEN, baseUrl: url, retry: false, notionVersion, logger: quiet });
  return { emulator, clock, url, client: new Client({ auth: TOKEN, baseUrl: url, retry: false, logger: quiet }), clientFor };
}

/** Raw HTTP for what the SDK cannot express (missing headers, bad JSON, legacy clients). */
export async function raw(
  url: string,
  method: string,
  path: string,
  opts: { body?: string; headers?: Record<string, string>; version?: string | null; token?: string | null } = {},
) {
  const headers: Record<string, string> = { 'content-type': 'application/json', ...opts.headers };
  if (opts.token !== null) headers.authorization = `Bearer ${opts.token ?? TOKEN}`;
  if (opts.version !== null) headers['notion-version'] = opts.version ?? '2025-09-03';
  const res = await fetch(`${url}${path}`, { method, headers, body: opts.body });
  const text = await res.text();
  let json: any = undefined;
  try {
    json = JSON.parse(text);
  } catch {
    /* not JSON */
  }
  return { status: res.status, headers: res.headers, text, json };
}

export const title = (content: string) => ({ title: [{ text: { content } }] });
export const text = (content: string) => ({ rich_text: [{ text: { content } }] });

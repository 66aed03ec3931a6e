/**
 * Checked against the official types (issue 16, point 3): representative scenarios drive both
 * emulators through the official clients (@notionhq/client, @googleapis/calendar, gmail, people)
 * with the emulators' recording hook on; every 2xx JSON body is written into ONE generated .ts file
 * in this run's temp dir, each typed with the SDK's response type for its endpoint (Notion's
 * `*Response` types from api-endpoints, Google's `Schema$*`), and the project's TypeScript
 * type-checks it (strict, exactOptionalPropertyTypes off). Object literals get excess-property
 * checks, so an invented field fails too. A body that no longer conforms — or a 2xx from an endpoint
 * with no type in the table below — fails the test with tsc's message.
 */
import { Client } from '@notionhq/client';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import ts from 'typescript';
import { afterAll, describe, expect, it } from 'vitest';
import { createNotionEmulator } from '../../emulators/notion/index.ts';
import type { RecordedResponse } from '../../emulators/shared/recorder.ts';
import { sampleGoogleWorkspace } from '../../emulators/samples/googleWorkspace.ts';
import { sampleTwoWayWorkspace } from '../../emulators/samples/notionWorkspace.ts';
import { FakeClock } from '../../src/lib/clock.ts';
import { start as startGoogle } from './google/helpers.ts';

const require = createRequire(import.meta.url);
const dir = mkdtempSync(join(tmpdir(), 'jarvis-types-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Endpoint → the SDK type its 2xx body must satisfy; null = no body type to check (documented why). */
const NOTION_TYPES: Array<[string, RegExp, string | null]> = [
  ['GET', /^\/v1\/users\/me$/, 'N.GetSelfResponse'],
  ['GET', /^\/v1\/users$/, 'N.ListUsersResponse'],
  ['GET', /^\/v1\/users\/[^/]+$/, 'N.GetUserResponse'],
  ['POST', /^\/v1\/search$/, 'N.SearchResponse'],
  ['GET', /^\/v1\/databases\/[^/]+$/, 'N.GetDatabaseResponse'],
  ['PATCH', /^\/v1\/databases\/[^/]+$/, 'N.UpdateDatabaseResponse'],
  ['POST', /^\/v1\/databases$/, 'N.CreateDatabaseResponse'],
  ['GET', /^\/v1\/data_sources\/[^/]+$/, 'N.GetDataSourceResponse'],
  ['PATCH', /^\/v1\/data_sources\/[^/]+$/, 'N.UpdateDataSourceResponse'],
  ['POST', /^\/v1\/data_sources$/, 'N.CreateDataSourceResponse'],
  ['POST', /^\/v1\/data_sources\/[^/]+\/query$/, 'N.QueryDataSourceResponse'],
  ['POST', /^\/v1\/pages$/, 'N.CreatePageResponse'],
  ['GET', /^\/v1\/pages\/[^/]+$/, 'N.GetPageResponse'],
  ['PATCH', /^\/v1\/pages\/[^/]+$/, 'N.UpdatePageResponse'],
  ['GET', /^\/v1\/pages\/[^/]+\/properties\/[^/]+$/, 'N.GetPagePropertyResponse'],
  ['GET', /^\/v1\/blocks\/[^/]+\/children$/, 'N.ListBlockChildrenResponse'],
];
const GOOGLE_TYPES: Array<[string, RegExp, string | null]> = [
  ['POST', /^\/token$/, null], // OAuth token endpoint: not an API resource (google-auth-library reads it)
  ['GET', /^\/calendar\/v3\/calendars\/[^/]+\/events$/, 'calendar_v3.Schema$Events'],
  ['GET', /^\/calendar\/v3\/calendars\/[^/]+\/events\/[^/]+$/, 'calendar_v3.Schema$Event'],
  ['POST', /^\/calendar\/v3\/calendars\/[^/]+\/events\/watch$/, 'calendar_v3.Schema$Channel'],
  ['GET', /^\/calendar\/v3\/calendars\/[^/]+$/, 'calendar_v3.Schema$Calendar'],
  ['GET', /^\/calendar\/v3\/users\/me\/calendarList$/, 'calendar_v3.Schema$CalendarList'],
  ['GET', /^\/calendar\/v3\/users\/me\/calendarList\/[^/]+$/, 'calendar_v3.Schema$CalendarListEntry'],
  ['GET', /^\/gmail\/v1\/users\/[^/]+\/profile$/, 'gmail_v1.Schema$Profile'],
  ['GET', /^\/gmail\/v1\/users\/[^/]+\/messages$/, 'gmail_v1.Schema$ListMessagesResponse'],
  ['GET', /^\/gmail\/v1\/users\/[^/]+\/messages\/[^/]+$/, 'gmail_v1.Schema$Message'],
  ['GET', /^\/gmail\/v1\/users\/[^/]+\/history$/, 'gmail_v1.Schema$ListHistoryResponse'],
  ['GET', /^\/v1\/people\/me\/connections$/, 'people_v1.Schema$ListConnectionsResponse'],
  ['GET', /^\/v1\/people(?::|%3A)batchGet$/i, 'people_v1.Schema$GetPeopleResponse'],
  ['POST', /^\/v1\/people(?::|%3A)createContact$/i, 'people_v1.Schema$Person'],
  ['PATCH', /^\/v1\/people\/[^/:%]+(?::|%3A)updateContact$/i, 'people_v1.Schema$Person'],
  ['DELETE', /^\/v1\/people\/[^/:%]+(?::|%3A)deleteContact$/i, 'people_v1.Schema$Empty'],
  ['GET', /^\/v1\/people\/[^/:%]+$/, 'people_v1.Schema$Person'],
];

const recorded: RecordedResponse[] = [];
const record = (r: RecordedResponse) => void recorded.push(r);

async function driveNotion(): Promise<void> {
  const clock = new FakeClock('2026-03-02T09:00:00.000Z');
  const { seed, ids } = sampleTwoWayWorkspace();
  const emulator = createNotionEmulator({ clock, seed, tokens: ['secret_types'], recorder: record });
  const url = await emulator.listen();
  try {
    const n = new Client({ auth: 'secret_types', baseUrl: url, retry: false, logger: () => {} });
    const me = await n.users.me({});
    await n.users.list({});
    await n.users.retrieve({ user_id: me.id });
    await n.search({ page_size: 5 });
    await n.search({ filter: { property: 'object', value: 'data_source' } });
    await n.databases.retrieve({ database_id: ids.contactsDatabase });
    const ds = await n.dataSources.retrieve({ data_source_id: ids.contactsDataSource });
    await n.dataSources.query({ data_source_id: ids.contactsDataSource, page_size: 3, sorts: [{ timestamp: 'last_edited_time', direction: 'descending' }] });
    await n.dataSources.query({ data_source_id: ids.meetingsDataSource, page_size: 3 });
    await n.dataSources.query({ data_source_id: ids.tasksDataSource, page_size: 3 });
    await n.dataSources.query({ data_source_id: ids.journalsDataSource, page_size: 3 });
    const page = await n.pages.create({
      parent: { data_source_id: ids.contactsDataSource },
      properties: { Name: { title: [{ text: { content: 'Typed Person' } }] }, Email: { email: 'typed@example.com' }, Tags: { multi_select: [{ name: 'Work' }] } },
    });
    await n.pages.retrieve({ page_id: page.id });
    await n.pages.update({ page_id: page.id, properties: { Phone: { phone_number: '+1 415 555 0100' } } });
    for (const prop of Object.values(ds.properties).slice(0, 4)) await n.pages.properties.retrieve({ page_id: page.id, property_id: prop.id });
    await n.blocks.children.list({ block_id: page.id });
    await n.pages.update({ page_id: page.id, in_trash: true });
  } finally {
    await emulator.close();
  }
}

async function driveGoogle(): Promise<void> {
  const sample = sampleGoogleWorkspace({ events: 30, messages: 20, people: 8, anchor: Date.parse('2026-01-05T09:00:00.000Z') });
  // propagationDelayMs 0: the incremental listing below should carry the write just made (its body is checked).
  const t = await startGoogle({ seed: sample.seed, recorder: record, propagationDelayMs: 0, calendarTimeZone: 'Europe/Berlin' });
  try {
    const full = await t.cal.events.list({ calendarId: 'primary', singleEvents: true, timeMin: '2025-12-01T00:00:00Z', timeMax: '2026-03-01T00:00:00Z', maxResults: 2500 });
    await t.cal.events.list({ calendarId: 'primary', maxResults: 5, timeZone: 'America/New_York' });
    await t.cal.events.list({ calendarId: 'primary', showDeleted: true, singleEvents: false });
    const first = full.data.items![0]!;
    await t.cal.events.get({ calendarId: 'primary', eventId: first.id! });
    t.emulator.calendar.cancelEvent('primary', first.id!);
    await t.cal.events.list({ calendarId: 'primary', singleEvents: true, syncToken: full.data.nextSyncToken! });
    await t.cal.calendars.get({ calendarId: 'primary' });
    await t.cal.calendarList.list();
    await t.cal.calendarList.get({ calendarId: 'primary' });
    await t.cal.events.watch({ calendarId: 'primary', requestBody: { id: 'types-channel', type: 'web_hook', address: 'http://127.0.0.1:9/unused' } });

    const profile = await t.gm.users.getProfile({ userId: 'me' });
    const list = await t.gm.users.messages.list({ userId: 'me', maxResults: 5 });
    for (const format of ['metadata', 'full', 'minimal'] as const) await t.gm.users.messages.get({ userId: 'me', id: list.data.messages![0]!.id!, format });
    t.emulator.gmail.addMessage({ from: 'New <new@example.org>', to: [t.emulator.userEmail], subject: 'Typed' });
    await t.gm.users.history.list({ userId: 'me', startHistoryId: profile.data.historyId! });

    const FIELDS = 'names,emailAddresses,phoneNumbers,organizations,biographies,metadata,memberships';
    const conn = await t.pp.people.connections.list({ resourceName: 'people/me', personFields: FIELDS, requestSyncToken: true });
    const someone = conn.data.connections![0]!;
    await t.pp.people.get({ resourceName: someone.resourceName!, personFields: FIELDS });
    await t.pp.people.getBatchGet({ resourceNames: [someone.resourceName!, 'people/c1'], personFields: 'names' });
    const created = await t.pp.people.createContact({ personFields: FIELDS, requestBody: { names: [{ givenName: 'Typed' }], emailAddresses: [{ value: 'typed@example.com' }] } });
    await t.pp.people.updateContact({
      resourceName: created.data.resourceName!,
      updatePersonFields: 'phoneNumbers',
      personFields: FIELDS,
      requestBody: { etag: created.data.etag, metadata: { sources: created.data.metadata!.sources }, phoneNumbers: [{ value: '+1 415 555 0100' }] },
    });
    await t.pp.people.deleteContact({ resourceName: someone.resourceName! });
    await t.pp.people.connections.list({ resourceName: 'people/me', personFields: FIELDS, syncToken: conn.data.nextSyncToken!, requestSyncToken: true });
  } finally {
    await t.emulator.close();
  }
}

function typeFor(r: RecordedResponse): string | null | undefined {
  const path = r.url.split('?')[0]!;
  const table = r.emulator === 'Notion' ? NOTION_TYPES : GOOGLE_TYPES;
  const hit = table.find(([m, re]) => m === r.method && re.test(path));
  return hit ? hit[2] : undefined;
}

/**
 * Fields Notion documents and sends that the SDK's types leave out, removed before checking (and only
 * these): `request_id` on every response, and `has_more` on a page's relation property values (past 25
 * related pages; makenotion/notion-sdk-js#443).
 */
function withoutUndeclared(r: RecordedResponse): unknown {
  if (r.emulator !== 'Notion' || typeof r.body !== 'object' || r.body === null) return r.body;
  const { request_id: _requestId, ...body } = r.body as Record<string, unknown>;
  return JSON.parse(JSON.stringify(body), (_key, value) => {
    if (value && typeof value === 'object' && !Array.isArray(value) && value.type === 'relation' && Array.isArray(value.relation)) {
      const { has_more: _hasMore, ...rest } = value as Record<string, unknown>;
      return rest;
    }
    return value;
  }) as unknown;
}

function typeCheck(file: string): string[] {
  const program = ts.createProgram([file], {
    strict: true,
    exactOptionalPropertyTypes: false,
    noEmit: true,
    skipLibCheck: true,
    target: ts.ScriptTarget.ES2022,
    module: ts.ModuleKind.ESNext,
    moduleResolution: ts.ModuleResolutionKind.Bundler,
    types: [],
  });
  return ts.getPreEmitDiagnostics(program).map((d) => {
    const where = d.file && d.start !== undefined ? d.file.getLineAndCharacterOfPosition(d.start) : null;
    return `${where ? `line ${where.line + 1}: ` : ''}${ts.flattenDiagnosticMessageText(d.messageText, '\n')}`;
  });
}

describe('emulator bodies against the official SDK types', () => {
  it('every 2xx body of the Notion and Google scenarios type-checks against its SDK response type', async () => {
    await driveNotion();
    await driveGoogle();
    const ok = recorded.filter((r) => r.status >= 200 && r.status < 300 && r.body !== undefined);
    const unmapped = ok.filter((r) => typeFor(r) === undefined).map((r) => `${r.emulator} ${r.method} ${r.url}`);
    expect(unmapped, 'a 2xx from an endpoint with no SDK type in the table').toEqual([]);

    const notionEntry = require.resolve('@notionhq/client').replace(/\.js$/, '');
    const googleDir = (pkg: string) => dirname(require.resolve(pkg));
    const lines = [
      `import type * as N from ${JSON.stringify(notionEntry)};`,
      `import type { calendar_v3 } from ${JSON.stringify(join(googleDir('@googleapis/calendar'), 'v3'))};`,
      `import type { gmail_v1 } from ${JSON.stringify(join(googleDir('@googleapis/gmail'), 'v1'))};`,
      `import type { people_v1 } from ${JSON.stringify(join(googleDir('@googleapis/people'), 'v1'))};`,
      '',
    ];
    const checked = ok.filter((r) => typeFor(r));
    checked.forEach((r, i) => {
      lines.push(`// ${r.emulator} ${r.method} ${r.url.slice(0, 160)}`);
      lines.push(`export const body${i}: ${typeFor(r)} = ${JSON.stringify(withoutUndeclared(r), null, 1)};`);
    });
    const file = join(dir, 'emulator-bodies.ts');
    writeFileSync(file, lines.join('\n'));
    // Coverage: both emulators, every API.
    const kinds = new Set(checked.map((r) => typeFor(r)!.split('.')[0]));
    expect([...kinds].sort()).toEqual(['N', 'calendar_v3', 'gmail_v1', 'people_v1']);
    expect(checked.length).toBeGreaterThan(35);

    expect(typeCheck(file)).toEqual([]);
  }, 120_000);

  it('the check fails a body that does not conform (a wrong type, an invented field)', () => {
    const notionEntry = require.resolve('@notionhq/client').replace(/\.js$/, '');
    const file = join(dir, 'bad-bodies.ts');
    writeFileSync(
      file,
      [
        `import type * as N from ${JSON.stringify(notionEntry)};`,
        `import type { calendar_v3 } from ${JSON.stringify(join(dirname(require.resolve('@googleapis/calendar')), 'v3'))};`,
        `export const a: calendar_v3.Schema$Events = { kind: 'calendar#events', items: [{ id: 1 }] };`,
        `export const b: N.GetSelfResponse = { object: 'user', id: 'x', type: 'bot', bot: {}, name: null, avatar_url: null, invented: true };`,
      ].join('\n'),
    );
    const errors = typeCheck(file);
    expect(errors.some((e) => /line 3: .*number.*string/s.test(e))).toBe(true);
    expect(errors.some((e) => /line 4: .*invented/s.test(e))).toBe(true);
  });
});

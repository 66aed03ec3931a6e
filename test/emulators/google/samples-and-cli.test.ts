/** The sample Google account, JSON seeds, the CLI entry point, and the emulator at benchmark scale. */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { runGoogleEmulatorCli } from '../../../emulators/google/cli.ts';
import { loadGoogleSeedFile, type GoogleEmulator } from '../../../emulators/google/index.ts';
import { sampleGoogleWorkspace } from '../../../emulators/samples/googleWorkspace.ts';
import { FakeClock } from '../../../src/lib/clock.ts';
import { allPages, raw, start, type Started } from './helpers.ts';

let t: Started | null = null;
let cli: GoogleEmulator | null = null;
afterEach(async () => {
  await t?.emulator.close();
  await cli?.close();
  t = null;
  cli = null;
});

describe('sampleGoogleWorkspace', () => {
  it('is deterministic and has the documented special cases', () => {
    const a = sampleGoogleWorkspace();
    expect(sampleGoogleWorkspace()).toEqual(a);
    const events = a.seed.calendars!.primary!;
    expect(events).toHaveLength(40);
    expect(a.seed.messages).toHaveLength(60);
    expect(a.seed.people).toHaveLength(20);
    expect(new Set(events.map((e) => e.id)).size).toBe(40);
    expect(events.find((e) => e.id === a.ids.allDayEventId)).toMatchObject({ start: { date: '2026-05-07' }, end: { date: '2026-05-08' } });
    const weekly = events.find((e) => e.id === a.ids.weeklyEventId)!;
    expect(weekly.recurrence![0]).toMatch(/^RRULE:FREQ=WEEKLY/);
    expect(weekly.start!.timeZone).toBe('Europe/Berlin');
    expect(new Set(events.filter((e) => e.start?.timeZone).map((e) => e.start!.timeZone)).size).toBeGreaterThan(3);
    // Attendees and correspondents are the sample's people.
    const emails = new Set(a.seed.people!.flatMap((p) => p.emailAddresses!.map((e) => e.value!)));
    const attendees = events.flatMap((e) => e.attendees ?? []).map((x) => x.email!).filter((x) => x !== a.userEmail && x !== 'partner@vendor.example');
    expect(attendees.length).toBeGreaterThan(20);
    expect(attendees.every((x) => emails.has(x))).toBe(true);
    expect(a.seed.messages!.filter((m) => [...emails].some((e) => m.from.includes(e))).length).toBeGreaterThan(30);
    expect(a.caseVariant).toMatchObject({ googleEmail: 'Maya.Chen@Example.com', notionEmail: 'maya.chen@example.com', name: 'Maya Chen' });
    expect(a.caseVariant!.googleEmail.toLowerCase()).toBe(a.caseVariant!.notionEmail);
    // Larger sizes extend, never reshuffle, the defaults' people.
    const big = sampleGoogleWorkspace({ people: 45, events: 100, messages: 200 });
    expect(big.seed.people!.slice(0, 20)).toEqual(a.seed.people);
    expect(new Set(big.seed.people!.map((p) => p.emailAddresses![0]!.value!.toLowerCase())).size).toBe(45);
    expect(new Set(big.seed.messages!.map((m) => m.id)).size).toBe(200);
  });

  it('seeds an emulator the real clients can sync', async () => {
    const sample = sampleGoogleWorkspace();
    t = await start({ seed: sample.seed });
    const cal = await allPages(async (pageToken) => (await t!.cal.events.list({ calendarId: 'primary', singleEvents: true, timeMin: '2025-12-01T00:00:00Z', timeMax: '2026-07-01T00:00:00Z', pageToken })).data);
    const items = cal.flatMap((p) => p.items ?? []);
    expect(items.filter((e) => e.recurringEventId === sample.ids.weeklyEventId)).toHaveLength(26);
    expect(items.filter((e) => e.recurringEventId === sample.ids.standupEventId).length).toBeGreaterThan(30);
    expect(items.find((e) => e.id === sample.ids.allDayEventId)!.start).toEqual({ date: '2026-05-07' });
    const recent = await t.gm.users.messages.list({ userId: 'me', q: 'newer_than:90d', maxResults: 500 });
    expect(recent.data.resultSizeEstimate).toBeGreaterThan(25);
    expect(recent.data.resultSizeEstimate).toBeLessThan(60);
    const ppl = await t.pp.people.connections.list({ resourceName: 'people/me', personFields: 'names,emailAddresses,phoneNumbers,organizations', pageSize: 1000 });
    expect(ppl.data.connections).toHaveLength(20);
    const maya = ppl.data.connections!.find((p) => p.resourceName === sample.caseVariant!.resourceName)!;
    expect(maya.emailAddresses![0]!.value).toBe('Maya.Chen@Example.com');
    expect(maya.phoneNumbers![0]!.canonicalForm).toBe('+14155550123');
  });

  it('anchor moves the whole account by whole weeks: same weekdays, local times and recurrences around the new today', async () => {
    const base = sampleGoogleWorkspace();
    // 2027-03-18 is a Thursday: today becomes the Monday before (2027-03-15), 62 weeks on.
    const moved = sampleGoogleWorkspace({ anchor: '2027-03-18T15:00:00Z' });
    expect(base.today).toBe('2026-01-05T09:00:00.000Z');
    expect(moved.today).toBe('2027-03-15T09:00:00.000Z');
    const weeks = 62 * 7 * 86_400_000;
    const ev = (s: typeof base, id: string) => s.seed.calendars!.primary!.find((e) => e.id === id)!;
    // Local wall-clock times stay (Berlin is on winter time on both Mondays; New York's offset differs: its DST began on 2027-03-14).
    expect(ev(moved, moved.ids.weeklyEventId).start).toEqual({ dateTime: '2027-03-15T10:00:00+01:00', timeZone: 'Europe/Berlin' });
    expect(ev(moved, moved.ids.standupEventId).start).toEqual({ dateTime: '2027-03-15T09:30:00-04:00', timeZone: 'America/New_York' });
    expect(ev(moved, moved.ids.standupEventId).recurrence).toEqual([
      'RRULE:FREQ=DAILY;BYDAY=MO,TU,WE,TH,FR;UNTIL=20270507T235959Z',
      'EXDATE;TZID=America/New_York:20270329T093000',
    ]);
    expect(ev(moved, moved.ids.allDayEventId)).toMatchObject({ start: { date: '2027-07-15' }, end: { date: '2027-07-16' } });
    expect(new Date(ev(moved, moved.ids.allDayEventId).start!.date!).getUTCDay()).toBe(new Date('2026-05-07').getUTCDay());
    // Generated events keep their local time and weekday; messages move by exactly the shift.
    for (const [a, b] of base.seed.calendars!.primary!.slice(4).map((e, i) => [e, moved.seed.calendars!.primary![i + 4]!] as const)) {
      expect(b.start!.dateTime!.slice(11, 16)).toBe(a.start!.dateTime!.slice(11, 16));
      expect(new Date(b.start!.dateTime!).getUTCDay()).toBe(new Date(a.start!.dateTime!).getUTCDay());
    }
    expect(moved.seed.messages!.map((m) => Number(m.internalDate))).toEqual(base.seed.messages!.map((m) => Number(m.internalDate) + weeks));
    expect(Math.max(...moved.seed.messages!.map((m) => Number(m.internalDate)))).toBeLessThanOrEqual(Date.parse(moved.today));
    // People do not move.
    expect(moved.seed.people).toEqual(base.seed.people);

    // Through the emulator on the moved today: the same instances as the default account has on its own.
    const count = async (sample: typeof base, timeMin: string, timeMax: string) => {
      t = await start({ seed: sample.seed, clock: new FakeClock(sample.today) });
      const cal = await allPages(async (pageToken) => (await t!.cal.events.list({ calendarId: 'primary', singleEvents: true, timeMin, timeMax, pageToken })).data);
      const items = cal.flatMap((p) => p.items ?? []);
      const recent = await t.gm.users.messages.list({ userId: 'me', q: 'newer_than:90d', maxResults: 500 });
      await t.emulator.close();
      t = null;
      return {
        weekly: items.filter((e) => e.recurringEventId === sample.ids.weeklyEventId).length,
        standup: items.filter((e) => e.recurringEventId === sample.ids.standupEventId).length,
        all: items.length,
        recentMail: recent.data.resultSizeEstimate,
      };
    };
    const shiftIso = (iso: string) => new Date(Date.parse(iso) + weeks).toISOString();
    const onItsOwn = await count(base, '2025-12-01T00:00:00Z', '2026-07-01T00:00:00Z');
    expect(onItsOwn).toMatchObject({ weekly: 26, standup: expect.any(Number), recentMail: expect.any(Number) });
    expect(onItsOwn.recentMail).toBeGreaterThan(25);
    expect(await count(moved, shiftIso('2025-12-01T00:00:00Z'), shiftIso('2026-07-01T00:00:00Z'))).toEqual(onItsOwn);
    expect(() => sampleGoogleWorkspace({ anchor: 'soon' })).toThrow(/anchor soon is not a date/);
  });
});

describe('seed files and the CLI', () => {
  it('loads a JSON seed and runs the CLI with instructions for pointing jarvis-sync at it', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'google-emu-'));
    try {
      const path = join(dir, 'seed.json');
      const seed = {
        calendars: { primary: [{ id: 'evt1', summary: 'From JSON', start: { date: '2026-05-07' }, end: { date: '2026-05-08' } }] },
        messages: [{ from: 'a@example.com', to: ['me@example.com'], subject: 'Hello', internalDate: '2026-01-04T10:00:00Z' }],
        people: [{ names: [{ givenName: 'Jason' }], emailAddresses: [{ value: 'jason@example.com' }] }],
      };
      writeFileSync(path, JSON.stringify(seed));
      expect(loadGoogleSeedFile(path)).toEqual(seed);
      writeFileSync(join(dir, 'bad.json'), JSON.stringify({ people: {} }));
      expect(() => loadGoogleSeedFile(join(dir, 'bad.json'))).toThrow(/"people" must be an array/);

      const lines: string[] = [];
      cli = await runGoogleEmulatorCli({ port: 0, seedPath: path, log: (l) => lines.push(l) });
      const text = lines.join('\n');
      expect(text).toContain(`listening on ${cli.url}`);
      expect(text).toContain(`GOOGLE_API_ROOT=${cli.url}`);
      expect(text).toMatch(/GOOGLE_CLIENT_ID=\S+/);
      expect(text).toMatch(/GOOGLE_CLIENT_SECRET=\S+/);
      expect(text).toMatch(/GOOGLE_REFRESH_TOKEN=\S+/);
      const res = await raw(cli.url, 'GET', '/calendar/v3/calendars/primary/events');
      expect(res.json.items.map((e: any) => e.summary)).toEqual(['From JSON']);
      const msg = await raw(cli.url, 'GET', '/gmail/v1/users/me/messages');
      expect(msg.json.resultSizeEstimate).toBe(1);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('without a seed file the CLI serves the sample account, dated around today', async () => {
    cli = await runGoogleEmulatorCli({ port: 0, log: () => {} });
    const res = await raw(cli.url, 'GET', '/v1/people/me/connections?personFields=names&pageSize=1000');
    expect(res.json.connections).toHaveLength(20);
    // What jarvis-sync asks for by default (GMAIL_QUERY newer_than:90d; events from 30 days back) finds it.
    const mail = await raw(cli.url, 'GET', `/gmail/v1/users/me/messages?q=${encodeURIComponent('newer_than:90d')}&maxResults=500`);
    expect(mail.json.resultSizeEstimate).toBeGreaterThan(25);
    const timeMin = new Date(Date.now() - 30 * 86_400_000).toISOString();
    const events = await raw(cli.url, 'GET', `/calendar/v3/calendars/primary/events?singleEvents=true&maxResults=2500&timeMin=${encodeURIComponent(timeMin)}`);
    expect(events.json.items.length).toBeGreaterThan(40);
  });

  it('a broken seed names the failing entry', async () => {
    await expect(start({ seed: { calendars: { primary: [{ id: 'x', summary: 'no times' }] } } })).rejects.toThrow(/Seed calendar primary, event 0 \(x\): .*needs start and end/);
  });
});

describe('scale', () => {
  it('5,000 events, 5,000 messages and 2,000 people: seeds and full syncs stay fast', async () => {
    const sample = sampleGoogleWorkspace({ events: 5000, messages: 5000, people: 2000 });
    const t0 = performance.now();
    // propagationDelayMs 0: the incremental read below checks its own write at once (scale, not timing, is tested here).
    t = await start({ seed: sample.seed, propagationDelayMs: 0 });
    const seeded = performance.now() - t0;

    const t1 = performance.now();
    const cal = await allPages(async (pageToken) => (await t!.cal.events.list({ calendarId: 'primary', singleEvents: true, timeMin: '2025-12-01T00:00:00Z', timeMax: '2026-07-01T00:00:00Z', maxResults: 250, pageToken })).data);
    const calMs = performance.now() - t1;
    const events = cal.flatMap((p) => p.items ?? []);
    expect(events.length).toBeGreaterThan(5000);
    expect(new Set(events.map((e) => e.id)).size).toBe(events.length);

    const t2 = performance.now();
    const list = await allPages(async (pageToken) => (await t!.gm.users.messages.list({ userId: 'me', maxResults: 500, pageToken })).data);
    const ids = list.flatMap((p) => p.messages ?? []).map((m) => m.id!);
    for (const id of ids.slice(0, 500)) await t.gm.users.messages.get({ userId: 'me', id, format: 'metadata', metadataHeaders: ['From', 'To', 'Subject'] });
    const gmailMs = performance.now() - t2;
    expect(ids.length).toBe(4998); // minus one spam, one trash

    const t3 = performance.now();
    const ppl = await allPages(async (pageToken) => (await t!.pp.people.connections.list({ resourceName: 'people/me', personFields: 'names,emailAddresses', pageSize: 100, requestSyncToken: true, pageToken })).data);
    const pplMs = performance.now() - t3;
    expect(ppl.flatMap((p) => p.connections ?? [])).toHaveLength(2000);

    // Incremental after a handful of changes only looks at those changes.
    t.emulator.people.updatePerson(sample.seed.people![5]!.resourceName!, { nicknames: [{ value: 'Five' }] });
    const inc = await t.pp.people.connections.list({ resourceName: 'people/me', personFields: 'names', syncToken: ppl[ppl.length - 1]!.nextSyncToken!, requestSyncToken: true });
    expect(inc.data.connections).toHaveLength(1);

    console.log(`google emulator scale: seed ${seeded.toFixed(0)} ms, calendar ${cal.length} pages ${calMs.toFixed(0)} ms, gmail list+500 gets ${gmailMs.toFixed(0)} ms, people ${ppl.length} pages ${pplMs.toFixed(0)} ms`);
    expect(seeded).toBeLessThan(5_000);
    expect(calMs).toBeLessThan(10_000);
    expect(gmailMs).toBeLessThan(10_000);
    expect(pplMs).toBeLessThan(10_000);
  });
});

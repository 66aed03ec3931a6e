/** Seeds: a whole Google account (calendars, mailbox, contacts) from an object or a JSON file. */
import { readFileSync } from 'node:fs';
import type { CalendarStore } from './calendar.ts';
import { GoogleError } from './errors.ts';
import type { GmailStore } from './gmail.ts';
import type { PeopleStore } from './people.ts';
import type { GoogleSeed } from './types.ts';

export function loadGoogleSeedFile(path: string): GoogleSeed {
  const parsed = JSON.parse(readFileSync(path, 'utf8'));
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new Error(`Seed file ${path} must be a JSON object with optional "calendars", "messages" and "people".`);
  }
  if (parsed.calendars !== undefined && (typeof parsed.calendars !== 'object' || Array.isArray(parsed.calendars))) {
    throw new Error(`Seed file ${path}: "calendars" must map calendar ids to event arrays.`);
  }
  for (const k of ['messages', 'people'] as const) {
    if (parsed[k] !== undefined && !Array.isArray(parsed[k])) throw new Error(`Seed file ${path}: "${k}" must be an array.`);
  }
  return parsed as GoogleSeed;
}

function fail(where: string, e: unknown): never {
  const msg = e instanceof GoogleError ? e.message : (e as Error)?.message ?? String(e);
  throw new Error(`Seed ${where}: ${msg}`);
}

/**
 * Applies a seed. Recurring masters are created before their exceptions (any order in the seed
 * works), and seeded events may keep their own created/updated timestamps.
 */
export function applySeed(stores: { calendar: CalendarStore; gmail: GmailStore; people: PeopleStore }, seed: GoogleSeed): void {
  for (const [calendarId, tz] of Object.entries(seed.calendarTimeZones ?? {})) stores.calendar.setTimeZone(calendarId, tz);
  for (const [calendarId, events] of Object.entries(seed.calendars ?? {})) {
    const list = events ?? [];
    const isException = (e: (typeof list)[number]) => Boolean(e.recurringEventId) || (/_\d{8}(T\d{6}Z)?$/.test(e.id ?? '') && list.some((m) => m.id && e.id!.startsWith(`${m.id}_`)));
    for (const pass of [false, true]) {
      list.forEach((e, i) => {
        if (isException(e) !== pass) return;
        try {
          stores.calendar.upsert(calendarId, e, { seeding: true });
        } catch (err) {
          fail(`calendar ${calendarId}, event ${i}${e.id ? ` (${e.id})` : ''}`, err);
        }
      });
    }
  }
  (seed.messages ?? []).forEach((m, i) => {
    try {
      stores.gmail.add(m);
    } catch (err) {
      fail(`message ${i}${m.id ? ` (${m.id})` : ''}`, err);
    }
  });
  (seed.people ?? []).forEach((p, i) => {
    try {
      stores.people.create(p, { seeding: true });
    } catch (err) {
      fail(`person ${i}${p.resourceName ? ` (${p.resourceName})` : ''}`, err);
    }
  });
}

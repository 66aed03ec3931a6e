/**
 * A realistic sample Google account for the demo, tests and benchmarks: contacts (overlapping the
 * Notion sample's contacts, see emulators/samples/notionWorkspace.ts), calendar events with time
 * zones, all-day and recurring events, and a mailbox of messages from and to those people.
 * Everything is derived from indexes: the same options give the same account, ids included.
 * `anchor` moves the whole account in time by whole weeks (the demo puts it around today).
 *
 * Deliberate quirks for matching tests:
 * - Maya Chen (person 0) has the email `Maya.Chen@Example.com` in Google; the Notion sample has
 *   `maya.chen@example.com` (differs only in case). Exposed as `caseVariant`.
 * - Phone numbers are stored the way people type them ("+1 415-555-0123"); the Notion sample holds
 *   E.164 ("+14155550123").
 * - Persons 14+ exist only in Google.
 */
import { createHash } from 'node:crypto';
import type { CalendarEvent, GoogleSeed, Person, SeedMessage } from '../google/types.ts';
import { eventIdFrom } from '../google/ids.ts';
import { formatInZone, fromZoned } from '../google/time.ts';

export const SAMPLE_USER_EMAIL = 'me@example.com';
const ME_NAME = 'Alex Morgan';

interface SamplePerson {
  given: string;
  family?: string;
  /** For names that don't split into given/family (shown as typed). */
  unstructured?: string;
  email: string;
  email2?: string;
  phone?: string;
  company?: string;
  title?: string;
  bio?: string;
}

// 0..13 mirror the Notion sample's contacts (same people, same emails except Maya's case), 14+ are Google-only.
const PEOPLE: SamplePerson[] = [
  { given: 'Maya', family: 'Chen', email: 'Maya.Chen@Example.com', phone: '+1 415-555-0123', company: 'Acme Robotics', title: 'Head of Product', bio: 'Met at the Lisbon conference' },
  { given: 'Jonas', family: 'Weber', email: 'jonas.weber@example.de', phone: '+49 30 901820', company: 'Nordlicht GmbH', title: 'CTO' },
  { given: 'Priya', family: 'Raman', email: 'priya.raman@example.in', email2: 'priya@raman.design', phone: '+91 98765 43210', company: 'Freelance', title: 'Product Designer' },
  { given: 'نور', family: 'حداد', email: 'nour.haddad@example.com', phone: '+961 3 123 456', company: 'Cedar Analytics', title: 'Managing Director' },
  { given: 'Lucas', family: 'Martin', email: 'lucas.martin@example.fr' },
  { given: 'Sofia', family: 'García', email: 'sofia.garcia@example.es', phone: '+34 612 34 56 78', company: 'Acme Robotics', title: 'Engineering Manager' },
  { given: 'Kwame', family: 'Mensah', email: 'kwame.mensah@example.com', phone: '+233 20 123 4567', company: 'Volta Energy', title: 'Operations Lead' },
  { given: 'Hana', family: 'Suzuki', email: 'hana.suzuki@example.jp', phone: '+81 3-1234-5678' },
  { given: 'Amélie', family: 'Dubois', email: 'amelie.dubois@example.fr', phone: '+33 6 12 34 56 78', company: 'Studio Lumière', title: 'Photographer' },
  { given: 'Oliver', family: 'Brown', email: 'oliver.brown@example.co.uk', phone: '+44 7700 900123', company: 'Brown & Co' },
  { given: 'Zoë', family: 'Kowalski', email: 'zoe.kowalski@example.pl', company: 'Open Source Collective', title: 'Maintainer' },
  { given: 'Ravi', family: 'Patel', email: 'ravi.patel@example.com', phone: '+1 212-555-0199', company: 'Volta Energy', title: 'VP Sales' },
  { given: 'Elena', family: 'Petrova', email: 'elena.petrova@example.com', phone: '+359 888 123 456' },
  { given: 'Mateus', family: 'Silva', email: 'mateus.silva@example.br', phone: '+55 11 98765-4321', company: 'Acme Robotics', title: 'Backend Engineer' },
  { given: 'Grace', family: 'Okafor', email: 'grace.okafor@example.ng', phone: '+234 803 123 4567', company: 'Lagos Labs', title: 'Founder' },
  { given: 'Tom', family: 'Fischer', email: 'tom.fischer@example.at', company: 'Alpine Cloud', title: 'SRE' },
  { given: 'Isabella', family: 'Rossi', email: 'isabella.rossi@example.it', phone: '+39 312 345 6789' },
  { given: 'Dr. Aisha', family: 'Bello', email: 'aisha.bello@clinic.example', phone: '+1 617-555-0142', company: 'Riverside Clinic', title: 'Physician' },
  { given: 'Chen', family: 'Wei', email: 'wei.chen@example.cn', company: 'Shenzhen Devices', title: 'Supply Chain Manager' },
  { given: '', unstructured: 'Noah', email: 'noah@example.org', phone: '+1 503-555-0177' },
];

const TIME_ZONES = ['Europe/Berlin', 'America/New_York', 'Asia/Tokyo', 'Europe/London', 'UTC', 'America/Los_Angeles'];

const EVENT_TEMPLATES: Array<{ summary: string; minutes: number; location?: string; description?: string }> = [
  { summary: 'Design review: onboarding flow', minutes: 60, description: '<b>Agenda</b><br>Three variants, pick one.' },
  { summary: 'Client kickoff — Cedar Analytics', minutes: 90, location: 'Beirut office / Google Meet' },
  { summary: 'Interview: backend engineer', minutes: 45 },
  { summary: 'Budget planning', minutes: 60, description: 'Travel budget, tooling budget.' },
  { summary: 'Retro 🔁', minutes: 45 },
  { summary: 'Coffee chat ☕', minutes: 30, location: 'Café Central' },
  { summary: 'Volta Energy — quarterly check-in', minutes: 30 },
  { summary: 'Roadmap workshop', minutes: 120, location: 'Room 4.01' },
  { summary: 'Dentist 🦷', minutes: 30, location: 'Riverside Clinic' },
  { summary: '1:1 with Jonas', minutes: 30 },
  { summary: 'Supplier call (Shenzhen)', minutes: 60 },
  { summary: 'Lunch with Elena', minutes: 60, location: 'Trattoria da Mario' },
];

const SUBJECTS = [
  'Contract draft for review',
  'Slides from yesterday',
  'Quick question about the importer',
  'Invoice #{n}',
  'Lisbon trip — itinerary ✈️',
  'Re: Roadmap workshop notes',
  'Dinner on Friday?',
  'Your feedback on the mock-ups',
  'Quarterly numbers',
  'Intro: Kwame ↔ Ravi',
];

const SNIPPETS = [
  'Hi! Attached is the latest version, let me know what you think.',
  'Thanks for the great session yesterday — here are the slides we discussed.',
  'Could you take a look when you have a minute? No rush.',
  'Please find the invoice attached. Payment terms are 30 days.',
  'Flights are booked, hotel is confirmed; details below.',
  'Sounds good to me. See you then!',
];

export interface GoogleSampleOptions {
  /** Calendar events (default 40; the first four are the special ones listed on `ids`). */
  events?: number;
  /** Gmail messages (default 60), spread over the 150 days before 2026-01-05. */
  messages?: number;
  /** Contacts (default 20; past the built-in list, copies get +N addresses and no phone). */
  people?: number;
  /**
   * Moves every date by whole weeks so that the account's "today" (default Monday 2026-01-05
   * 09:00 UTC, where the mailbox ends and the calendar is centred) becomes the last Monday 09:00
   * UTC at or before this instant. Whole weeks keep weekdays and local times (the weekly Monday
   * sync stays on Mondays). The demo passes the current time: a calendar window and a Gmail query
   * relative to now would otherwise find nothing of an account dated in early 2026.
   */
  anchor?: Date | number | string;
}

const DAY = 86_400_000;
const WEEK = 7 * DAY;
/** The FakeClock default; messages end here, events spread around it. */
const ANCHOR = Date.UTC(2026, 0, 5, 9, 0, 0);

/** The shift `anchor` asks for: whole weeks, so that ANCHOR + shift is at or before it. */
function anchorShift(anchor: GoogleSampleOptions['anchor']): number {
  if (anchor === undefined) return 0;
  const at = new Date(anchor).getTime();
  if (!Number.isFinite(at)) throw new Error(`sampleGoogleWorkspace: anchor ${String(anchor)} is not a date`);
  return Math.floor((at - ANCHOR) / WEEK) * WEEK;
}

/** Dates and times of the sample, moved by `shift` ms (whole weeks). */
function shifted(shift: number) {
  const days = shift / DAY;
  /** "2026-05-07" → the date `days` later. */
  const date = (ymd: string) => new Date(Date.parse(`${ymd}T00:00:00Z`) + days * DAY).toISOString().slice(0, 10);
  /** "2026-01-05", "10:00", tz → "2026-01-05T10:00:00+01:00" on the moved date, same local time. */
  const local = (ymd: string, hm: string, tz: string) => {
    const [year, month, day] = date(ymd).split('-').map(Number) as [number, number, number];
    const [hour, minute] = hm.split(':').map(Number) as [number, number];
    return formatInZone(fromZoned({ year, month, day, hour, minute, second: 0 }, tz), tz);
  };
  /** "20260119T093000" (an iCalendar local or UTC date-time, without its Z) moved by `days`. */
  const ical = (basic: string) => date(`${basic.slice(0, 4)}-${basic.slice(4, 6)}-${basic.slice(6, 8)}`).replaceAll('-', '') + basic.slice(8);
  return { date, local, ical };
}

function digits(name: string, n: number): string {
  const h = createHash('sha1').update(`jarvis-sync:google:${name}`).digest();
  let s = String(1 + (h[0]! % 9));
  for (let i = 1; s.length < n; i++) s += String(h[i % h.length]! % 10);
  return s;
}

const displayName = (p: SamplePerson) => p.unstructured ?? [p.given, p.family].filter(Boolean).join(' ');

export function sampleGoogleWorkspace(opts: GoogleSampleOptions = {}) {
  const counts = { events: opts.events ?? 40, messages: opts.messages ?? 60, people: opts.people ?? 20 };
  const shift = anchorShift(opts.anchor);
  const { date, local, ical } = shifted(shift);

  const people: Person[] = [];
  const emails: string[] = [];
  const names: string[] = [];
  for (let i = 0; i < counts.people; i++) {
    const p = PEOPLE[i % PEOPLE.length]!;
    const copy = Math.floor(i / PEOPLE.length);
    const [local, domain] = p.email.split('@') as [string, string];
    const email = copy ? `${local}+${copy + 1}@${domain}` : p.email;
    const name = copy ? `${displayName(p)} (${copy + 1})` : displayName(p);
    emails.push(email);
    names.push(name);
    const person: Person = {
      resourceName: `people/c${digits(`person:${i}`, 19)}`,
      names: [p.unstructured ? { unstructuredName: name } : { givenName: p.given, familyName: copy ? `${p.family} (${copy + 1})` : p.family }],
      emailAddresses: [{ value: email, type: 'work' }, ...(p.email2 && !copy ? [{ value: p.email2, type: 'home' }] : [])],
    };
    if (p.phone && !copy) person.phoneNumbers = [{ value: p.phone, type: 'mobile' }];
    if (p.company) person.organizations = [{ name: p.company, ...(p.title ? { title: p.title } : {}) }];
    if (p.bio && !copy) person.biographies = [{ value: p.bio, contentType: 'TEXT_PLAIN' }];
    people.push(person);
  }
  const who = (i: number) => (counts.people > 0 ? i % counts.people : -1);
  const attendee = (i: number, status: string) => {
    const k = who(i);
    return k < 0 ? null : { email: emails[k]!, displayName: names[k]!, responseStatus: status };
  };
  const me = { email: SAMPLE_USER_EMAIL, displayName: ME_NAME, self: true, organizer: true, responseStatus: 'accepted' };

  const ids = {
    calendarId: 'primary',
    // The dates below are those of the default anchor; `anchor` moves them all by whole weeks.
    /** Weekly on Mondays 10:00 Europe/Berlin, 26 times from 2026-01-05 (crosses the March DST change). */
    weeklyEventId: eventIdFrom('sample:event:0'),
    /** All-day on 2026-05-07 (end date 2026-05-08, exclusive). */
    allDayEventId: eventIdFrom('sample:event:1'),
    /** Weekdays 09:30 America/New_York until 2026-02-27, with one EXDATE (2026-01-19, a holiday). */
    standupEventId: eventIdFrom('sample:event:2'),
    /** A three-day all-day trip, 2026-02-10 to 2026-02-12. */
    tripEventId: eventIdFrom('sample:event:3'),
  };
  const events: CalendarEvent[] = [];
  const created = (i: number) => new Date(Date.UTC(2025, 10, 1) + shift + i * 3_600_000).toISOString();
  const special: CalendarEvent[] = [
    {
      id: ids.weeklyEventId,
      summary: 'Weekly sync with Maya',
      start: { dateTime: local('2026-01-05', '10:00', 'Europe/Berlin'), timeZone: 'Europe/Berlin' },
      end: { dateTime: local('2026-01-05', '10:30', 'Europe/Berlin'), timeZone: 'Europe/Berlin' },
      recurrence: ['RRULE:FREQ=WEEKLY;BYDAY=MO;COUNT=26'],
      attendees: [me, attendee(0, 'accepted')].filter((a) => a !== null),
      hangoutLink: 'https://meet.google.com/abc-defg-hij',
    },
    {
      id: ids.allDayEventId,
      summary: 'Company offsite 🏕️',
      description: 'All hands, whole day. Train at 07:12.',
      location: 'Lakeside Lodge',
      start: { date: date('2026-05-07') },
      end: { date: date('2026-05-08') },
      transparency: 'transparent',
    },
    {
      id: ids.standupEventId,
      summary: 'Daily standup',
      start: { dateTime: local('2026-01-05', '09:30', 'America/New_York'), timeZone: 'America/New_York' },
      end: { dateTime: local('2026-01-05', '09:45', 'America/New_York'), timeZone: 'America/New_York' },
      recurrence: [`RRULE:FREQ=DAILY;BYDAY=MO,TU,WE,TH,FR;UNTIL=${ical('20260227T235959')}Z`, `EXDATE;TZID=America/New_York:${ical('20260119T093000')}`],
      attendees: [me, attendee(5, 'accepted'), attendee(13, 'needsAction')].filter((a) => a !== null),
    },
    {
      id: ids.tripEventId,
      summary: 'Lisbon trip ✈️',
      start: { date: date('2026-02-10') },
      end: { date: date('2026-02-13') },
    },
  ];
  for (let i = 0; i < counts.events; i++) {
    if (i < special.length) {
      const e = special[i]!;
      events.push({ ...e, created: created(i), updated: created(i) });
      continue;
    }
    const t = EVENT_TEMPLATES[i % EVENT_TEMPLATES.length]!;
    const copy = Math.floor(i / EVENT_TEMPLATES.length);
    const tz = TIME_ZONES[i % TIME_ZONES.length]!;
    // Days from 2025-12-01 to about 2026-06-29, local working hours in the event's zone.
    const day = new Date(Date.UTC(2025, 11, 1) + shift + ((i * 37) % 210) * DAY);
    const startMs = fromZoned({ year: day.getUTCFullYear(), month: day.getUTCMonth() + 1, day: day.getUTCDate(), hour: 8 + ((i * 5) % 9), minute: (i % 2) * 30, second: 0 }, tz);
    const endMs = startMs + t.minutes * 60_000;
    const guests = [1, 2, 3].slice(0, 1 + (i % 3)).map((k) => attendee(i * 3 + k * 5, ['accepted', 'tentative', 'needsAction', 'declined'][(i + k) % 4]!));
    const e: CalendarEvent = {
      id: eventIdFrom(`sample:event:${i}`),
      summary: copy ? `${t.summary} (${copy + 1})` : t.summary,
      start: { dateTime: formatInZone(startMs, tz), timeZone: tz },
      end: { dateTime: formatInZone(endMs, tz), timeZone: tz },
      attendees: [me, ...guests.filter((a) => a !== null), ...(i % 5 === 0 ? [{ email: 'partner@vendor.example', responseStatus: 'needsAction' }] : [])],
      created: created(i),
      updated: created(i),
    };
    if (t.location) e.location = t.location;
    if (t.description) e.description = t.description;
    if (i % 7 === 6) e.status = 'tentative';
    events.push(e);
  }

  const messages: SeedMessage[] = [];
  const span = 150 * DAY;
  const step = counts.messages > 0 ? Math.max(60_000, Math.floor(span / counts.messages)) : 0;
  const meHeader = `${ME_NAME} <${SAMPLE_USER_EMAIL}>`;
  for (let i = 0; i < counts.messages; i++) {
    const internalDate = ANCHOR + shift - span + i * step + ((i * 7919) % 3_600_000);
    const id = ((BigInt(internalDate) << 20n) | BigInt(i & 0xfffff)).toString(16).padStart(16, '0');
    const k = who(i * 7);
    const peer = k < 0 ? 'someone@example.net' : `${names[k]} <${emails[k]}>`;
    const outgoing = i % 3 === 0;
    const replyTo = i % 4 === 3 ? messages[i - 1] : undefined;
    const subjectBase = SUBJECTS[i % SUBJECTS.length]!.replace('{n}', String(1000 + i));
    const labels = outgoing
      ? ['SENT']
      : ['INBOX', 'CATEGORY_PERSONAL', ...(i % 4 === 1 ? ['UNREAD'] : []), ...(i % 5 === 2 ? ['IMPORTANT'] : []), ...(i % 11 === 4 ? ['STARRED'] : [])];
    const cc = i % 6 === 1 && counts.people > 1 ? [`${names[who(i * 7 + 3)]} <${emails[who(i * 7 + 3)]}>`] : undefined;
    const m: SeedMessage = {
      id,
      threadId: replyTo ? replyTo.threadId ?? replyTo.id : id,
      from: outgoing ? meHeader : peer,
      to: outgoing ? [peer] : [meHeader],
      ...(cc ? { cc } : {}),
      subject: replyTo ? `Re: ${replyTo.subject.replace(/^Re: /, '')}` : subjectBase,
      snippet: SNIPPETS[i % SNIPPETS.length]!,
      labelIds: i === 7 ? ['TRASH'] : i === 9 ? ['SPAM'] : labels,
      internalDate,
    };
    messages.push(m);
  }

  const seed: GoogleSeed = { calendars: { primary: events }, messages, people };
  return {
    seed,
    userEmail: SAMPLE_USER_EMAIL,
    ids,
    /** The account's "today" (2026-01-05T09:00:00Z unless `anchor` moved it): the mailbox ends here. */
    today: new Date(ANCHOR + shift).toISOString(),
    /** The person whose Google email differs from the Notion sample's only in case. */
    caseVariant: counts.people > 0
      ? { resourceName: people[0]!.resourceName!, googleEmail: emails[0]!, notionEmail: 'maya.chen@example.com', name: names[0]! }
      : null,
  };
}

import { describe, expect, it } from 'vitest';
import { eventToRow } from '../../../src/engine/google/calendarRows.ts';
import { messageToRow, parseAddressList } from '../../../src/engine/google/gmailRows.ts';
import { mergeGoogleContact, personToContact } from '../../../src/engine/google/peopleContacts.ts';

describe('calendar rows', () => {
  it('keeps an all-day event a date: 7 May is 7 May, whatever the zone', () => {
    const row = eventToRow({ id: 'e1', status: 'confirmed', start: { date: '2026-05-07' }, end: { date: '2026-05-08' }, summary: 'Holiday' }, 'primary');
    expect(row).toMatchObject({ all_day: true, start_date: '2026-05-07', end_date: '2026-05-08', starts_at: null, ends_at: null });
  });
  it('keeps a timed event’s instant and its zone', () => {
    const row = eventToRow(
      { id: 'e2', start: { dateTime: '2026-05-07T09:30:00+02:00', timeZone: 'Europe/Berlin' }, end: { dateTime: '2026-05-07T10:00:00+02:00', timeZone: 'Europe/Berlin' }, attendees: [{ email: 'Ada@X.org' }, {}] },
      'primary',
    );
    expect(row).toMatchObject({ all_day: false, starts_at: '2026-05-07T07:30:00.000Z', ends_at: '2026-05-07T08:00:00.000Z', time_zone: 'Europe/Berlin', attendee_emails: ['ada@x.org'] });
  });
  it('refuses an event without a start, naming it', () => {
    expect(() => eventToRow({ id: 'bad' }, 'primary')).toThrow(/bad has neither start.date nor start.dateTime/);
  });
});

describe('gmail rows', () => {
  it.each([
    ['Ada Lovelace <Ada@X.org>', ['ada@x.org']],
    ['"Hopper, Grace" <g@navy.mil>, bob@z.org', ['g@navy.mil', 'bob@z.org']],
    ['undisclosed-recipients:;', []],
    ['a@b.c; "x" <A@B.C>', ['a@b.c']],
    ['', []],
  ])('parses %j', (header, expected) => {
    expect(parseAddressList(header)).toEqual(expected);
  });
  it('maps a metadata message', () => {
    const row = messageToRow({
      id: 'm1',
      threadId: 't1',
      labelIds: ['INBOX'],
      snippet: 'Hi',
      historyId: '42',
      internalDate: String(Date.parse('2026-03-01T10:00:00Z')),
      payload: { headers: [{ name: 'From', value: 'Ada <ada@x.org>' }, { name: 'To', value: 'b@y.org, c@z.org' }, { name: 'Subject', value: 'Notes' }] },
    });
    expect(row).toMatchObject({ gmail_message_id: 'm1', from_address: 'ada@x.org', to_addresses: ['b@y.org', 'c@z.org'], cc_addresses: [], subject: 'Notes', sent_at: '2026-03-01T10:00:00.000Z' });
  });
});

describe('contacts, Google leg', () => {
  const person = (over: any = {}) => ({
    resourceName: 'people/c1',
    names: [{ displayName: 'Ada Lovelace' }],
    emailAddresses: [{ value: 'ada@x.org', metadata: { primary: true } }],
    phoneNumbers: [{ value: '+44 20 7946 0958' }],
    organizations: [{ name: 'Analytical Engines' }],
    ...over,
  });
  it('reads a person: primary first, phones in E.164', () => {
    expect(personToContact(person({ emailAddresses: [{ value: 'b@y.org' }, { value: 'ada@x.org', metadata: { primary: true } }] }))).toEqual({
      name: 'Ada Lovelace',
      emails: ['ada@x.org', 'b@y.org'],
      phones: ['+442079460958'],
      company: 'Analytical Engines',
      notes: null,
    });
  });
  const base = { name: 'Ada Lovelace', emails: ['ada@x.org'], phones: ['+442079460958'], company: 'Analytical Engines' };
  const pg = { name: 'Ada Lovelace', emails: ['ada@x.org'], phones: ['+442079460958'], company: 'Analytical Engines', notes: null };
  it('a phone edited in Google reaches Postgres', () => {
    const m = mergeGoogleContact(base, personToContact(person({ phoneNumbers: [{ value: '+44 20 7946 0000' }] })), pg, 2, 1);
    expect(m.row.phones).toEqual(['+442079460000']);
    expect(m.toGoogle).toEqual({});
  });
  it('an email edited in Postgres goes to Google; both edited: Google owns it', () => {
    const onlyPg = mergeGoogleContact(base, personToContact(person()), { ...pg, emails: ['ada@new.org'] }, 1, 2);
    expect(onlyPg.toGoogle).toEqual({ emailAddresses: ['ada@new.org'] });
    const both = mergeGoogleContact(base, personToContact(person({ emailAddresses: [{ value: 'g@g.org' }] })), { ...pg, emails: ['p@p.org'] }, 1, 2);
    expect(both.row.emails).toEqual(['g@g.org']);
    expect(both.conflicts).toEqual([expect.objectContaining({ field: 'emails', winner: 'google' })]);
  });
  it('company belongs to Notion: never read back, written to Google only where it has none', () => {
    const m = mergeGoogleContact(base, personToContact(person({ organizations: [{ name: 'Google’s idea' }] })), { ...pg, company: 'Notion’s idea' }, 2, 1);
    expect(m.toGoogle).toEqual({});
    const empty = mergeGoogleContact(base, personToContact(person({ organizations: [] })), { ...pg, company: 'Notion’s idea' }, 2, 1);
    expect(empty.toGoogle).toEqual({ organizations: 'Notion’s idea' });
  });
  it('a first pairing unites the address lists (Google first) and loses nothing; case differences are the same address', () => {
    const m = mergeGoogleContact(null, personToContact(person()), { ...pg, emails: ['ADA@x.org', 'work@x.org'] }, 1, 2);
    expect(m.row.emails).toEqual(['ada@x.org', 'work@x.org']);
    expect(m.toGoogle.emailAddresses).toEqual(['ada@x.org', 'work@x.org']);
  });
});

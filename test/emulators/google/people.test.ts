/** People v1 through the real @googleapis/people client: connections sync, reads and contact writes. */
import { afterEach, describe, expect, it } from 'vitest';
import { DEFAULT_PEOPLE_PROPAGATION_DELAY_MS, type Person } from '../../../emulators/google/index.ts';
import { allPages, DAY, gaxiosError, raw, start, type Started } from './helpers.ts';

let t: Started;
afterEach(async () => {
  await t.emulator.close();
});

function contacts(n: number): Person[] {
  return Array.from({ length: n }, (_, i) => ({
    names: [{ givenName: `Person${i}`, familyName: `Family${String.fromCharCode(90 - (i % 26))}` }],
    emailAddresses: [{ value: `person${i}@example.com`, type: 'work' }],
    phoneNumbers: i % 2 === 0 ? [{ value: `+1 415-555-${String(1000 + i)}`, type: 'mobile' }] : undefined,
    organizations: [{ name: 'Acme', title: 'Engineer' }],
  }));
}

const FIELDS = 'names,emailAddresses,phoneNumbers,organizations';

async function fullSync(t: Started, pageSize = 100) {
  const pages = await allPages(async (pageToken) => (await t.pp.people.connections.list({ resourceName: 'people/me', personFields: FIELDS, pageSize, requestSyncToken: true, pageToken })).data);
  return { pages, people: pages.flatMap((p) => p.connections ?? []), syncToken: pages[pages.length - 1]!.nextSyncToken! };
}

describe('People connections.list', () => {
  it('full sync pages with requestSyncToken: the sync token comes on the last page only', async () => {
    t = await start({ seed: { people: contacts(25) } });
    const full = await fullSync(t, 10);
    expect(full.pages.map((p) => p.connections!.length)).toEqual([10, 10, 5]);
    expect(full.pages.map((p) => Boolean(p.nextSyncToken))).toEqual([false, false, true]);
    expect(full.pages[0]!.totalPeople).toBe(25);
    const p0 = full.people[0]!;
    expect(p0.resourceName).toMatch(/^people\/c\d+$/);
    expect(p0.etag).toMatch(/^%/);
    expect(p0.metadata!.sources).toEqual([{ type: 'CONTACT', id: expect.stringMatching(/^[0-9a-f]+$/), etag: expect.stringMatching(/^#/), updateTime: '2026-01-05T09:00:00.000Z' }]);
    expect(p0.names![0]).toMatchObject({ givenName: 'Person0', familyName: 'FamilyZ', displayName: 'Person0 FamilyZ', displayNameLastFirst: 'FamilyZ, Person0', metadata: { primary: true } });
    expect(p0.phoneNumbers![0]).toMatchObject({ value: '+1 415-555-1000', canonicalForm: '+14155551000', type: 'mobile', formattedType: 'Mobile' });

    // Only the requested fields (plus resourceName, etag, metadata).
    const names = await t.pp.people.connections.list({ resourceName: 'people/me', personFields: 'names', pageSize: 1 });
    expect(Object.keys(names.data.connections![0]!).sort()).toEqual(['etag', 'metadata', 'names', 'resourceName']);
    expect(names.data.nextSyncToken).toBeUndefined(); // not requested

    const sorted = await t.pp.people.connections.list({ resourceName: 'people/me', personFields: 'names', pageSize: 3, sortOrder: 'LAST_NAME_ASCENDING' });
    expect(sorted.data.connections!.map((p) => p.names![0]!.familyName)).toEqual(['FamilyB', 'FamilyC', 'FamilyD']);
  });

  it('personFields is required', async () => {
    t = await start();
    const e = await gaxiosError(t.pp.people.connections.list({ resourceName: 'people/me' }));
    expect(e.status).toBe(400);
    expect(e.response!.data.error.status).toBe('INVALID_ARGUMENT');
    expect(e.message).toMatch(/^personFields mask is required/);
    const bad = await gaxiosError(t.pp.people.connections.list({ resourceName: 'people/me', personFields: 'names,shoeSize' }));
    expect(bad.message).toMatch(/Invalid personFields mask path: "shoeSize"/);
  });

  it('incremental sync: changed people in full, deleted ones as metadata.deleted', async () => {
    t = await start({ seed: { people: contacts(5) } });
    const full = await fullSync(t);
    const [a, b, c] = full.people;
    t.clock.advance(60_000);
    t.emulator.people.updatePerson(a!.resourceName!, { emailAddresses: [{ value: 'new@example.com' }] });
    t.emulator.people.deletePerson(b!.resourceName!);
    const created = t.emulator.people.addPerson({ names: [{ givenName: 'Newbie' }] });
    // Sync requests see writes only after People's propagation delay (the emulator's default: several minutes).
    t.clock.advance(DEFAULT_PEOPLE_PROPAGATION_DELAY_MS);

    const inc = await t.pp.people.connections.list({ resourceName: 'people/me', personFields: FIELDS, syncToken: full.syncToken, requestSyncToken: true });
    expect(inc.data.connections!.map((p) => p.resourceName)).toEqual([a!.resourceName, b!.resourceName, created.resourceName]);
    const [changed, deleted] = inc.data.connections!;
    expect(changed!.emailAddresses!.map((e) => e.value)).toEqual(['new@example.com']);
    expect(changed!.names![0]!.givenName).toBe('Person0'); // untouched fields stay
    expect(changed!.etag).not.toBe(a!.etag);
    expect(changed!.metadata!.sources![0]!.updateTime).toBe('2026-01-05T09:01:00.000Z');
    expect(deleted).toEqual({ resourceName: b!.resourceName, etag: expect.any(String), metadata: { deleted: true } });
    expect(inc.data.nextSyncToken).toBeTruthy();
    const quiet = await t.pp.people.connections.list({ resourceName: 'people/me', personFields: FIELDS, syncToken: inc.data.nextSyncToken!, requestSyncToken: true });
    expect(quiet.data.connections).toBeUndefined();
    expect(c).toBeDefined();
  });

  it('an expired sync token is a 400 carrying EXPIRED_SYNC_TOKEN in error.details', async () => {
    t = await start({ seed: { people: contacts(2) } });
    const full = await fullSync(t);
    t.emulator.expireSyncTokens();
    const e = await gaxiosError(t.pp.people.connections.list({ resourceName: 'people/me', personFields: FIELDS, syncToken: full.syncToken, requestSyncToken: true }));
    expect(e.status).toBe(400);
    expect(e.response!.data.error.details[0].reason).toBe('EXPIRED_SYNC_TOKEN');
    expect(e.response!.data).toEqual({
      error: {
        code: 400,
        message: 'Sync token is expired. Clear local cache and retry call without the sync token.',
        status: 'FAILED_PRECONDITION',
        details: [{ '@type': 'type.googleapis.com/google.rpc.ErrorInfo', reason: 'EXPIRED_SYNC_TOKEN', domain: 'people.googleapis.com' }],
      },
    });
    // Seven days later a fresh token is expired too.
    const again = await fullSync(t);
    t.clock.advance(7 * DAY + 1);
    const old = await gaxiosError(t.pp.people.connections.list({ resourceName: 'people/me', personFields: FIELDS, syncToken: again.syncToken }));
    expect(old.response!.data.error.details[0].reason).toBe('EXPIRED_SYNC_TOKEN');
  });

  it('writes reach sync requests only after the propagation delay', async () => {
    t = await start({ seed: { people: contacts(2) }, propagationDelayMs: 5 * 60_000 });
    const full = await fullSync(t);
    const created = await t.pp.people.createContact({ personFields: 'names', requestBody: { names: [{ givenName: 'Fresh' }] } });
    const early = await t.pp.people.connections.list({ resourceName: 'people/me', personFields: 'names', syncToken: full.syncToken, requestSyncToken: true });
    expect(early.data.connections).toBeUndefined();
    t.clock.advance(5 * 60_000);
    const later = await t.pp.people.connections.list({ resourceName: 'people/me', personFields: 'names', syncToken: early.data.nextSyncToken!, requestSyncToken: true });
    expect(later.data.connections!.map((p) => p.resourceName)).toEqual([created.data.resourceName]);
  });
});

describe('People propagation delay by default', () => {
  it('the default configuration delays writes for sync requests by several minutes; a full listing sees them at once', async () => {
    t = await start({ seed: { people: contacts(2) } });
    expect(DEFAULT_PEOPLE_PROPAGATION_DELAY_MS).toBe(5 * 60_000);
    const full = await fullSync(t);
    t.clock.advance(60_000);
    const created = await t.pp.people.createContact({ personFields: 'names', requestBody: { names: [{ givenName: 'Fresh' }] } });
    const early = await t.pp.people.connections.list({ resourceName: 'people/me', personFields: 'names', syncToken: full.syncToken, requestSyncToken: true });
    expect(early.data.connections).toBeUndefined();
    // A plain listing is not a sync request: it has the new contact (and its token is cut before it).
    const plain = await fullSync(t);
    expect(plain.people.map((p) => p.resourceName)).toContain(created.data.resourceName);
    t.clock.advance(DEFAULT_PEOPLE_PROPAGATION_DELAY_MS - 1);
    const stillEarly = await t.pp.people.connections.list({ resourceName: 'people/me', personFields: 'names', syncToken: early.data.nextSyncToken!, requestSyncToken: true });
    expect(stillEarly.data.connections).toBeUndefined();
    t.clock.advance(1);
    for (const token of [stillEarly.data.nextSyncToken!, plain.syncToken]) {
      const later = await t.pp.people.connections.list({ resourceName: 'people/me', personFields: 'names', syncToken: token, requestSyncToken: true });
      expect(later.data.connections!.map((p) => p.resourceName)).toEqual([created.data.resourceName]);
    }
  });
});

describe('People contact writes', () => {
  it('createContact → get → updateContact with the source etag → deleteContact', async () => {
    t = await start();
    const created = await t.pp.people.createContact({
      personFields: 'names,emailAddresses,phoneNumbers,memberships',
      requestBody: { names: [{ givenName: 'Sofia', familyName: 'García' }], emailAddresses: [{ value: 'sofia@example.es' }], phoneNumbers: [{ value: '+34 612 34 56 78' }] },
    });
    const p = created.data;
    expect(p.resourceName).toMatch(/^people\/c\d{10,}$/);
    expect(p.metadata!.sources![0]).toMatchObject({ type: 'CONTACT', id: BigInt(p.resourceName!.slice(8)).toString(16) });
    expect(p.memberships).toEqual([expect.objectContaining({ contactGroupMembership: { contactGroupId: 'myContacts', contactGroupResourceName: 'contactGroups/myContacts' } })]);
    expect(t.emulator.people.getPerson(p.resourceName!)!.names![0]!.displayName).toBe('Sofia García');

    const got = await t.pp.people.get({ resourceName: p.resourceName!, personFields: 'names,phoneNumbers' });
    expect(got.data.etag).toBe(p.etag);
    expect(got.data.emailAddresses).toBeUndefined();

    // updatePersonFields replaces the listed fields wholesale: phoneNumbers is listed but absent → cleared.
    const updated = await t.pp.people.updateContact({
      resourceName: p.resourceName!,
      updatePersonFields: 'emailAddresses,phoneNumbers',
      personFields: 'names,emailAddresses,phoneNumbers',
      requestBody: { resourceName: p.resourceName, etag: p.etag, metadata: { sources: [{ type: 'CONTACT', etag: p.metadata!.sources![0]!.etag }] }, emailAddresses: [{ value: 'sofia@acme.example' }, { value: 'sofia@example.es' }] },
    });
    expect(updated.data.emailAddresses!.map((e) => [e.value, e.metadata?.primary ?? false])).toEqual([['sofia@acme.example', true], ['sofia@example.es', false]]);
    expect(updated.data.phoneNumbers).toBeUndefined();
    expect(updated.data.names![0]!.givenName).toBe('Sofia');
    expect(updated.data.etag).not.toBe(p.etag);
    expect(updated.data.metadata!.sources![0]!.etag).not.toBe(p.metadata!.sources![0]!.etag);

    const deleted = await t.pp.people.deleteContact({ resourceName: p.resourceName! });
    expect(deleted.data).toEqual({});
    const gone = await gaxiosError(t.pp.people.get({ resourceName: p.resourceName!, personFields: 'names' }));
    expect(gone.status).toBe(404);
    expect(gone.response!.data.error.status).toBe('NOT_FOUND');
    expect((await gaxiosError(t.pp.people.deleteContact({ resourceName: p.resourceName! }))).status).toBe(404);
    expect(t.emulator.requestCounts).toMatchObject({
      'POST /v1/people:createContact': 1,
      'GET /v1/people/:id': 2,
      'PATCH /v1/people/:id:updateContact': 1,
      'DELETE /v1/people/:id:deleteContact': 2,
    });
  });

  it('updateContact with a stale etag is 400 failedPrecondition; the person etag works as well', async () => {
    t = await start({ seed: { people: contacts(1) } });
    const [p] = (await fullSync(t)).people;
    const body = (etag: string) => ({ metadata: { sources: [{ type: 'CONTACT', etag }] }, names: [{ givenName: 'Renamed' }] });
    const ok = await t.pp.people.updateContact({ resourceName: p!.resourceName!, updatePersonFields: 'names', requestBody: body(p!.metadata!.sources![0]!.etag!) });
    expect(ok.data.names![0]!.givenName).toBe('Renamed');

    const stale = await gaxiosError(t.pp.people.updateContact({ resourceName: p!.resourceName!, updatePersonFields: 'names', requestBody: body(p!.metadata!.sources![0]!.etag!) }));
    expect(stale.status).toBe(400);
    expect(stale.response!.data.error).toMatchObject({
      code: 400,
      status: 'FAILED_PRECONDITION',
      message: 'Request person.etag is different than the current person.etag. Clear local cache and get the latest person.',
      errors: [{ reason: 'failedPrecondition', domain: 'global', message: expect.any(String) }],
    });
    // Sequential updates use the etag from the previous response; person.etag is accepted too.
    const viaPersonEtag = await t.pp.people.updateContact({ resourceName: p!.resourceName!, updatePersonFields: 'names', requestBody: { etag: ok.data.etag, names: [{ givenName: 'Again' }] } });
    expect(viaPersonEtag.data.names![0]!.givenName).toBe('Again');

    const noEtag = await gaxiosError(t.pp.people.updateContact({ resourceName: p!.resourceName!, updatePersonFields: 'names', requestBody: { names: [{ givenName: 'X' }] } }));
    expect(noEtag.message).toBe('Request must set person.etag or person.metadata.sources.etag for the source that is being updated.');
    const noMask = await gaxiosError(t.pp.people.updateContact({ resourceName: p!.resourceName!, requestBody: { etag: viaPersonEtag.data.etag, names: [{ givenName: 'X' }] } }));
    expect(noMask.status).toBe(400);
    expect(noMask.message).toMatch(/^updatePersonFields mask is required/);
    const twoNames = await gaxiosError(t.pp.people.updateContact({ resourceName: p!.resourceName!, updatePersonFields: 'names', requestBody: { etag: viaPersonEtag.data.etag, names: [{ givenName: 'A' }, { givenName: 'B' }] } }));
    expect(twoNames.status).toBe(400);
    const unknownField = await gaxiosError(t.pp.people.createContact({ requestBody: { shoeSize: 44 } as any }));
    expect(unknownField.message).toMatch(/Unknown name "shoeSize"/);
  });

  it('people.get needs personFields; people:batchGet answers per resource name', async () => {
    t = await start({ seed: { people: contacts(2) } });
    const [a] = t.emulator.people.listPeople();
    expect((await gaxiosError(t.pp.people.get({ resourceName: a!.resourceName! }))).status).toBe(400);
    const me = await t.pp.people.get({ resourceName: 'people/me', personFields: 'emailAddresses' });
    expect(me.data.emailAddresses![0]!.value).toBe('me@example.com');
    const batch = await t.pp.people.getBatchGet({ resourceNames: [a!.resourceName!, 'people/c1'], personFields: 'names' });
    expect(batch.data.responses!.map((r) => r.httpStatusCode)).toEqual([200, 404]);
    expect(batch.data.responses![0]!.person!.names![0]!.givenName).toBe('Person0');
    // A percent-encoded colon reaches the same route.
    const viaRaw = await raw(t.url, 'DELETE', `/v1/${a!.resourceName}%3AdeleteContact`);
    expect(viaRaw.status).toBe(200);
    expect(t.emulator.people.getPerson(a!.resourceName!)).toBeUndefined();
  });
});

/**
 * People v1 (contacts): connections.list with field masks, sort orders, paging and sync tokens;
 * people.get / batchGet; createContact, updateContact (field-mask replacement + etag precondition)
 * and deleteContact. Every change gets a new person etag and contact-source etag.
 *
 * Records are replaced (never mutated) on change, so a result list cut at one snapshot renders the
 * same while a client pages through it.
 */
import type { Clock } from '../../src/lib/clock.ts';
import { ChangeLog, type Sequence } from './changelog.ts';
import { errorInfo, invalidArgument, rpcError } from './errors.ts';
import { personEtag, sourceEtag, type IdSource } from './ids.ts';
import { isoUtc } from './time.ts';
import { compareKeys, decodeToken, encodeToken, fingerprint, firstAfter, ResultCache } from './tokens.ts';
import type { Person } from './types.ts';

/** Valid `personFields` paths (people.d.ts). */
export const PERSON_FIELDS = [
  'addresses', 'ageRanges', 'biographies', 'birthdays', 'calendarUrls', 'clientData', 'coverPhotos', 'emailAddresses', 'events',
  'externalIds', 'genders', 'imClients', 'interests', 'locales', 'locations', 'memberships', 'metadata', 'miscKeywords', 'names',
  'nicknames', 'occupations', 'organizations', 'phoneNumbers', 'photos', 'relations', 'sipAddresses', 'skills', 'urls', 'userDefined',
] as const;
/** Valid `updatePersonFields` paths. */
export const UPDATABLE_FIELDS = [
  'addresses', 'biographies', 'birthdays', 'calendarUrls', 'clientData', 'emailAddresses', 'events', 'externalIds', 'genders',
  'imClients', 'interests', 'locales', 'locations', 'memberships', 'miscKeywords', 'names', 'nicknames', 'occupations', 'organizations',
  'phoneNumbers', 'relations', 'sipAddresses', 'urls', 'userDefined',
] as const;
/** Contact sources allow at most one of these. */
const SINGLETONS = ['biographies', 'birthdays', 'genders', 'names'];
/** Every key of Schema$Person; anything else in a request body is rejected like proto JSON parsing does. */
const PERSON_KEYS = new Set<string>([
  ...PERSON_FIELDS, 'ageRange', 'braggingRights', 'etag', 'fileAses', 'relationshipInterests', 'relationshipStatuses', 'residences', 'resourceName', 'taglines',
]);
const DATA_FIELDS = PERSON_FIELDS.filter((f) => f !== 'metadata');
const SORT_ORDERS = ['LAST_MODIFIED_ASCENDING', 'LAST_MODIFIED_DESCENDING', 'FIRST_NAME_ASCENDING', 'LAST_NAME_ASCENDING'];
const MY_CONTACTS = { contactGroupMembership: { contactGroupId: 'myContacts', contactGroupResourceName: 'contactGroups/myContacts' } };

export interface PersonRecord {
  resourceName: string;
  sourceId: string;
  ord: number;
  seq: number;
  version: number;
  updateTime: string;
  deleted: boolean;
  /** Data fields only (no resourceName/etag/metadata; no per-item metadata). */
  fields: Record<string, any[]>;
}

interface SyncToken {
  s: number;
  t: number;
}
interface PageToken {
  f: string;
  /** The snapshot the listing's sync token is cut at (what sync requests see). */
  v: number;
  /** Full listings: the data version their items were read at (they see every write at once). */
  d?: number;
  a: Array<number | string>;
}
interface Item {
  key: Array<number | string>;
  rec: PersonRecord;
}

const SYNC_PREFIX = 'PPL.s.';
const PAGE_PREFIX = 'PPL.p.';
const DOCS = 'https://developers.google.com/people/api/rest/v1';

export const peopleNotFound = () => rpcError(404, 'Requested entity was not found.');
export const expiredSyncToken = () =>
  rpcError(400, 'Sync token is expired. Clear local cache and retry call without the sync token.', {
    status: 'FAILED_PRECONDITION',
    details: [errorInfo('EXPIRED_SYNC_TOKEN', 'people.googleapis.com')],
  });
/** UNCERTAIN wording and status; the 400 + failedPrecondition reason is documented. */
export const etagMismatch = () =>
  rpcError(400, 'Request person.etag is different than the current person.etag. Clear local cache and get the latest person.', {
    status: 'FAILED_PRECONDITION',
    legacyReason: 'failedPrecondition',
  });

/** Parses a personFields / updatePersonFields mask; null when absent. */
function parseMask(raw: string | null, valid: readonly string[], param: string, docPath: string): Set<string> | null {
  if (raw === null || raw.trim() === '') return null;
  const out = new Set<string>();
  for (let p of raw.split(',')) {
    p = p.trim().replace(/^person\./, '');
    if (p === '') continue;
    if (!valid.includes(p)) throw invalidArgument(`Invalid ${param} mask path: "${p}". Valid paths are documented at ${DOCS}/${docPath}.`);
    out.add(p);
  }
  return out;
}

const requiredMask = (param: string, docPath: string) =>
  invalidArgument(`${param} mask is required. Please specify one or more valid paths. Valid paths are documented at ${DOCS}/${docPath}.`);

const isObject = (v: unknown): v is Record<string, any> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Items as stored: per-item metadata dropped (it is recomputed on read). */
function stripItems(field: string, value: unknown): any[] {
  if (!Array.isArray(value)) throw invalidArgument(`Invalid value at 'person.${field}': expected a list.`);
  return value.map((item) => {
    if (!isObject(item)) throw invalidArgument(`Invalid value at 'person.${field}': expected objects.`);
    const { metadata: _m, ...rest } = structuredClone(item);
    return rest;
  });
}

export interface PeopleOptions {
  horizonMs: number;
  propagationDelayMs: number;
}

export class PeopleStore {
  readonly records = new Map<string, PersonRecord>();
  private readonly log = new ChangeLog();
  private ord = 0;
  private readonly cache = new ResultCache<Item[]>(16);
  private readonly profileName: string;

  constructor(
    private readonly seq: Sequence,
    private readonly clock: Clock,
    private readonly ids: IdSource,
    readonly userEmail: string,
    readonly opts: PeopleOptions,
  ) {
    this.profileName = `people/1${ids.digits(20)}`;
  }

  // ---- writes ------------------------------------------------------------------------------------

  /** Validates a request/seed person and returns its data fields. */
  private dataFields(p: Record<string, any>, only?: Iterable<string>): Record<string, any[]> {
    for (const k of Object.keys(p)) {
      if (!PERSON_KEYS.has(k)) throw invalidArgument(`Invalid JSON payload received. Unknown name "${k}" at 'person': Cannot find field.`);
    }
    const out: Record<string, any[]> = {};
    for (const f of only ?? DATA_FIELDS) {
      const v = p[f];
      if (v === undefined || v === null) continue;
      const items = stripItems(f, v);
      if (SINGLETONS.includes(f) && items.length > 1) throw invalidArgument(`Only one ${f.replace(/s$/, '').replace(/ie$/, 'y')} field is allowed per contact.`); // UNCERTAIN wording
      if (items.length > 0) out[f] = items;
    }
    return out;
  }

  /** `seeding`: part of the initial account (visible to sync at once, may name its resourceName). */
  create(p: Partial<Person>, o: { seeding?: boolean; keepResourceName?: boolean } = {}): PersonRecord {
    if (!isObject(p)) throw invalidArgument('Invalid JSON payload received. Expected an object.');
    const fields = this.dataFields(p);
    if (!fields.memberships) fields.memberships = [structuredClone(MY_CONTACTS)];
    let resourceName = `people/c${this.ids.digits(19)}`;
    if ((o.seeding || o.keepResourceName) && typeof p.resourceName === 'string') {
      if (!/^people\/c\d{1,20}$/.test(p.resourceName)) throw new Error(`seed person: invalid resourceName ${p.resourceName} (expected people/c<digits>)`);
      resourceName = p.resourceName;
    }
    while (this.records.has(resourceName)) resourceName = `people/c${this.ids.digits(19)}`;
    const rec: PersonRecord = {
      resourceName,
      sourceId: BigInt(resourceName.slice('people/c'.length)).toString(16),
      ord: ++this.ord,
      seq: 0,
      version: 0,
      updateTime: '',
      deleted: false,
      fields,
    };
    this.commit(rec, o.seeding);
    return rec;
  }

  /** Replaces the listed fields (absent from `p` = cleared). */
  replaceFields(resourceName: string, p: Record<string, any>, mask: Iterable<string>): PersonRecord {
    const old = this.live(resourceName);
    const replaced = this.dataFields(p, mask);
    const fields = { ...old.fields };
    for (const f of mask) {
      if (replaced[f]) fields[f] = replaced[f];
      else delete fields[f];
    }
    return this.commit({ ...old, fields });
  }

  delete(resourceName: string): PersonRecord {
    return this.commit({ ...this.live(resourceName), deleted: true });
  }

  live(resourceName: string): PersonRecord {
    const rec = this.records.get(resourceName);
    if (!rec || rec.deleted) throw peopleNotFound();
    return rec;
  }

  private commit(rec: PersonRecord, seeding = false): PersonRecord {
    const now = this.clock.now();
    rec.seq = this.seq.next();
    rec.version++;
    rec.updateTime = isoUtc(now);
    this.records.set(rec.resourceName, rec);
    // Seeded contacts have "always been there": no propagation delay for them.
    this.log.append(rec.resourceName, rec.seq, seeding ? -Infinity : now);
    if (this.log.length % 4096 === 0) this.log.prune(now - 2 * this.opts.horizonMs - this.opts.propagationDelayMs);
    return rec;
  }

  // ---- rendering ---------------------------------------------------------------------------------

  render(rec: PersonRecord, mask: Set<string> | null): Person {
    if (rec.deleted) return { resourceName: rec.resourceName, etag: personEtag(rec.resourceName, rec.version), metadata: { deleted: true } };
    const source = { type: 'CONTACT', id: rec.sourceId };
    // UNCERTAIN: person-level metadata is returned even when `metadata` is not in personFields.
    const out: Person = {
      resourceName: rec.resourceName,
      etag: personEtag(rec.resourceName, rec.version),
      metadata: { sources: [{ ...source, etag: sourceEtag(rec.resourceName, rec.version), updateTime: rec.updateTime }], objectType: 'PERSON' },
    };
    for (const f of DATA_FIELDS) {
      if (mask && !mask.has(f)) continue;
      const items = rec.fields[f];
      if (!items || items.length === 0) continue;
      (out as Record<string, unknown>)[f] = items.map((item, i) => decorate(f, item, i === 0, source));
    }
    return out;
  }

  // ---- API ---------------------------------------------------------------------------------------

  connections(q: URLSearchParams): Record<string, unknown> {
    const maskRaw = q.get('personFields') ?? q.get('requestMask.includeField');
    const mask = parseMask(maskRaw, PERSON_FIELDS, 'personFields', 'people.connections/list');
    if (!mask) throw requiredMask('personFields', 'people.connections/list');
    let pageSize = 100;
    if (q.has('pageSize')) {
      const n = Number(q.get('pageSize'));
      if (!Number.isInteger(n) || n < 0 || n > 1000) throw invalidArgument('Page size must be between 1 and 1000, inclusive.'); // UNCERTAIN wording
      if (n > 0) pageSize = n;
    }
    const sortOrder = q.get('sortOrder') ?? 'LAST_MODIFIED_ASCENDING';
    if (!SORT_ORDERS.includes(sortOrder)) throw invalidArgument(`Invalid value at 'sort_order' (type.googleapis.com/google.people.v1.ListConnectionsRequest.SortOrder), "${sortOrder}"`);
    const sources = [...q.getAll('sources'), ...q.getAll('sources[]')];
    const includesContacts = sources.length === 0 || sources.includes('READ_SOURCE_TYPE_CONTACT');
    const requestSyncToken = q.get('requestSyncToken') === 'true';
    const now = this.clock.now();

    const syncRaw = q.get('syncToken');
    let sync: SyncToken | null = null;
    if (syncRaw !== null && syncRaw !== '') {
      sync = decodeToken<SyncToken>(SYNC_PREFIX, syncRaw);
      if (!sync || typeof sync.s !== 'number') throw invalidArgument('Sync token is invalid.'); // UNCERTAIN wording
      // UNCERTAIN: the 7 days count from when this token was issued (the docs say "after the full sync").
      if (sync.s < this.seq.barrier || now - sync.t > this.opts.horizonMs) throw expiredSyncToken();
    }
    const fp = fingerprint([maskRaw, sortOrder, sources, syncRaw, requestSyncToken]);
    const pageRaw = q.get('pageToken');
    let page: PageToken | null = null;
    if (pageRaw !== null && pageRaw !== '') {
      page = decodeToken<PageToken>(PAGE_PREFIX, pageRaw);
      if (!page || page.f !== fp) throw invalidArgument('Parameters provided with a page token must match the call that provided the page token.'); // UNCERTAIN wording
    }
    const snapshot = page?.v ?? this.log.visibleUpTo(now, this.opts.propagationDelayMs, this.seq.current);
    // Only sync requests lag behind writes; a full listing reads the current contacts (cached per data version).
    const dataVersion = sync ? snapshot : (page?.d ?? this.seq.current);
    const items = this.cache.get(`${fp}|${snapshot}|${dataVersion}`, () => {
      if (!includesContacts) return [];
      if (sync) {
        return this.log.changedSince(sync.s, snapshot, (rn) => this.records.get(rn)?.seq).map((rn) => {
          const rec = this.records.get(rn)!;
          return { key: [rec.seq], rec };
        });
      }
      const live = [...this.records.values()].filter((r) => !r.deleted).map((rec) => ({ key: sortKey(rec, sortOrder), rec }));
      return live.sort((a, b) => compareKeys(a.key, b.key));
    });
    const start = firstAfter(items, (i) => i.key, page?.a);
    const slice = items.slice(start, start + pageSize);
    const body: Record<string, unknown> = {};
    if (slice.length > 0) body.connections = slice.map((i) => this.render(i.rec, mask));
    if (start + pageSize < items.length) {
      body.nextPageToken = encodeToken(PAGE_PREFIX, { f: fp, v: snapshot, ...(sync ? {} : { d: dataVersion }), a: slice[slice.length - 1]!.key } satisfies PageToken);
    } else if (requestSyncToken) {
      // UNCERTAIN: like the documented samples, a new token comes back only when requestSyncToken=true.
      body.nextSyncToken = encodeToken(SYNC_PREFIX, { s: snapshot, t: now } satisfies SyncToken);
    }
    body.totalPeople = items.length;
    body.totalItems = items.length;
    return body;
  }

  get(resourceName: string, q: URLSearchParams): Person {
    const mask = parseMask(q.get('personFields') ?? q.get('requestMask.includeField'), PERSON_FIELDS, 'personFields', 'people/get');
    if (!mask) throw requiredMask('personFields', 'people/get');
    if (resourceName === 'people/me') return this.profile(mask);
    return this.render(this.live(resourceName), mask);
  }

  batchGet(q: URLSearchParams): Record<string, unknown> {
    const mask = parseMask(q.get('personFields') ?? q.get('requestMask.includeField'), PERSON_FIELDS, 'personFields', 'people/getBatchGet');
    if (!mask) throw requiredMask('personFields', 'people/getBatchGet');
    const names = q.getAll('resourceNames');
    if (names.length === 0) throw invalidArgument('resourceNames must not be empty.');
    if (names.length > 200) throw invalidArgument('Too many resourceNames: at most 200 are allowed.');
    return {
      responses: names.map((rn) => {
        const rec = this.records.get(rn);
        if (rn === 'people/me') return { requestedResourceName: rn, httpStatusCode: 200, person: this.profile(mask), status: {} };
        if (!rec || rec.deleted) return { requestedResourceName: rn, httpStatusCode: 404, status: { code: 5, message: 'Requested entity was not found.' } };
        return { requestedResourceName: rn, httpStatusCode: 200, person: this.render(rec, mask), status: {} };
      }),
    };
  }

  private profile(mask: Set<string>): Person {
    const source = { type: 'PROFILE', id: this.profileName.slice('people/'.length) };
    const local = this.userEmail.split('@')[0]!;
    const p: Person = { resourceName: this.profileName, etag: personEtag(this.profileName, 1), metadata: { sources: [{ ...source, etag: sourceEtag(this.profileName, 1) }], objectType: 'PERSON' } };
    if (mask.has('names')) p.names = [{ metadata: { primary: true, source }, displayName: local, givenName: local, unstructuredName: local }];
    if (mask.has('emailAddresses')) p.emailAddresses = [{ metadata: { primary: true, verified: true, source }, value: this.userEmail }];
    return p;
  }

  /** Read mask for write responses: `personFields` when given, else every field. */
  readMask(q: URLSearchParams, docPath: string): Set<string> | null {
    return parseMask(q.get('personFields'), PERSON_FIELDS, 'personFields', docPath);
  }

  createContact(body: Record<string, any>, q: URLSearchParams): Person {
    const mask = this.readMask(q, 'people/createContact');
    return this.render(this.create(body), mask);
  }

  updateContact(resourceName: string, body: Record<string, any>, q: URLSearchParams): Person {
    const mask = parseMask(q.get('updatePersonFields'), UPDATABLE_FIELDS, 'updatePersonFields', 'people/updateContact');
    if (!mask) throw requiredMask('updatePersonFields', 'people/updateContact');
    const readMask = this.readMask(q, 'people/updateContact');
    const rec = this.live(resourceName);
    const sources: unknown = body.metadata?.sources;
    const contact = Array.isArray(sources) ? sources.find((s) => isObject(s) && s.type === 'CONTACT') : undefined;
    if (contact && typeof contact.etag === 'string') {
      if (contact.etag !== sourceEtag(rec.resourceName, rec.version)) throw etagMismatch();
    } else if (typeof body.etag === 'string') {
      if (body.etag !== personEtag(rec.resourceName, rec.version)) throw etagMismatch();
    } else {
      throw invalidArgument('Request must set person.etag or person.metadata.sources.etag for the source that is being updated.');
    }
    if (mask.has('memberships')) {
      const m = body.memberships;
      if (!Array.isArray(m) || !m.some((x) => isObject(x) && isObject(x.contactGroupMembership))) {
        throw invalidArgument('Contact must have at least one contact group membership.'); // UNCERTAIN wording
      }
    }
    return this.render(this.replaceFields(resourceName, body, mask), readMask);
  }

  deleteContact(resourceName: string): Record<string, unknown> {
    this.delete(resourceName);
    return {};
  }

  controlList(): Person[] {
    return [...this.records.values()].filter((r) => !r.deleted).sort((a, b) => a.ord - b.ord).map((r) => this.render(r, null));
  }
}

function sortKey(rec: PersonRecord, order: string): Array<number | string> {
  const name = rec.fields.names?.[0] ?? {};
  switch (order) {
    case 'LAST_MODIFIED_DESCENDING':
      return [-rec.seq, rec.ord];
    case 'FIRST_NAME_ASCENDING':
      return [String(name.givenName ?? name.displayName ?? name.unstructuredName ?? '').toLowerCase(), rec.ord];
    case 'LAST_NAME_ASCENDING':
      return [String(name.familyName ?? name.displayName ?? name.unstructuredName ?? '').toLowerCase(), rec.ord];
    default:
      return [rec.seq, rec.ord];
  }
}

const capitalize = (s: string) => s.charAt(0).toUpperCase() + s.slice(1);

/** Adds what Google computes on read: item metadata, display names, formatted types, canonical phones. */
function decorate(field: string, stored: Record<string, any>, primary: boolean, source: { type: string; id: string }): Record<string, any> {
  const item: Record<string, any> = { metadata: { ...(primary ? { primary: true, sourcePrimary: true } : {}), source: { ...source } }, ...structuredClone(stored) };
  if (typeof item.type === 'string' && item.formattedType === undefined && item.type !== '') item.formattedType = capitalize(item.type);
  if (field === 'names') {
    let given = item.givenName;
    let family = item.familyName;
    const whole = item.unstructuredName ?? item.displayName;
    if (given === undefined && family === undefined && typeof whole === 'string') {
      const [g, ...rest] = whole.trim().split(/\s+/);
      given = g;
      family = rest.length > 0 ? rest.join(' ') : undefined;
      if (given !== undefined) item.givenName = given;
      if (family !== undefined) item.familyName = family;
    }
    const display = [item.honorificPrefix, given, item.middleName, family, item.honorificSuffix].filter((x) => typeof x === 'string' && x !== '').join(' ');
    item.displayName = item.displayName ?? display;
    item.displayNameLastFirst = item.displayNameLastFirst ?? (family ? `${family}, ${[given, item.middleName].filter(Boolean).join(' ')}`.replace(/, $/, '') : display);
    item.unstructuredName = item.unstructuredName ?? item.displayName;
  }
  if (field === 'phoneNumbers' && typeof item.value === 'string' && item.canonicalForm === undefined) {
    // UNCERTAIN: Google derives canonicalForm with the account's region; only +international numbers get one here.
    const digits = item.value.replace(/[^\d+]/g, '');
    if (/^\+\d{6,15}$/.test(digits)) item.canonicalForm = digits;
  }
  return item;
}

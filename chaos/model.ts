/**
 * The edit model and its oracle.
 *
 * Each logical record knows the value it must end with. To keep that knowledge exact without
 * re-implementing the engine, the model never makes two edits whose outcome depends on timing:
 * every field of a record has ONE side it is edited on for the whole campaign (drawn when the
 * record is created), and so does its deleted state (deletes and restores happen on one side).
 * Different fields of one record are edited on different sides in the same round, deletes race
 * with edits on the other side, and nothing waits for a sync to succeed first. Under the engine's
 * documented rules — a field changed on one side only takes that side's value; deletes and
 * restores propagate; contacts' field owners only decide real conflicts — the expected final
 * value of every field is then simply the last value the model wrote, and a record is deleted iff
 * the last delete/restore was a delete. No edit is ever expected to be lost.
 */
import type { Person } from '../emulators/google/index.ts';
import type { Sql } from '../src/store/types.ts';
import { DATASETS, FIELDS, Gen, PREFIX, sameValue, TABLE, type DatasetName, type Refs, type Side, type SqlType, type Value, type Values } from './fields.ts';
import type { Rng } from './rng.ts';
import type { Snapshot, World } from './snapshot.ts';

export interface LogicalRecord {
  key: string;
  dataset: DatasetName;
  origin: Side;
  values: Values;
  deleted: boolean;
  /** The one side each field is edited on. */
  editSide: Record<string, Side>;
  /** The one side deletes and restores happen on; null: never deleted (relation targets). */
  deleteSide: Side | null;
  /** Round of creation (0 = the seed). */
  born: number;
}

export interface Edit {
  round: number;
  side: Side;
  dataset: DatasetName;
  key: string;
  kind: 'create' | 'update' | 'delete' | 'restore';
  field?: string;
  value?: Value;
}

export interface ModelOptions {
  /** Records per dataset in the seed. */
  records: number;
  /** Contacts also live in Google (three-way). */
  google: boolean;
  /** Share of live records edited per dataset and round. */
  editShare?: number;
}

export class Model {
  readonly records = new Map<string, LogicalRecord>();
  readonly edits: Edit[] = [];
  private readonly gen: Gen;
  private readonly next: Record<DatasetName, number> = { contacts: 0, meetings: 0, journals: 0 };

  constructor(
    private readonly rng: Rng,
    readonly opts: ModelOptions,
  ) {
    this.gen = new Gen(rng.fork('values'));
  }

  get datasets(): DatasetName[] {
    return DATASETS;
  }

  /** The seed: records created in Notion (and contacts in Google), before any sync. */
  async seed(world: World): Promise<void> {
    const n = this.opts.records;
    for (let i = 0; i < n; i++) await this.createIn(world, null, null, 'contacts', 'notion', 0, { stable: i < Math.max(4, Math.ceil(n / 3)) });
    if (this.opts.google && world.google) for (let i = 0; i < Math.max(2, Math.ceil(n / 4)); i++) await this.createIn(world, null, null, 'contacts', 'google', 0, {});
    for (let i = 0; i < n; i++) await this.createIn(world, null, null, 'meetings', 'notion', 0, {});
    for (let i = 0; i < n; i++) await this.createIn(world, null, null, 'journals', 'notion', 0, {});
  }

  /**
   * One round of user activity on all sides, against what each side holds now (`snap`). Edits go
   * through the emulators' control APIs (as a person in the UI would) and plain SQL (as an app would).
   */
  async round(world: World, sql: Sql, snap: Snapshot, round: number): Promise<number> {
    const before = this.edits.length;
    const r = this.rng.fork(`round:${round}`);
    for (const ds of DATASETS) {
      const records = [...this.records.values()].filter((x) => x.dataset === ds);
      // Creates: one per dataset most rounds, on a random side.
      if (r.chance(0.8)) {
        const sides: Side[] = ds === 'contacts' && this.opts.google && world.google ? ['notion', 'postgres', 'google'] : ['notion', 'postgres'];
        await this.createIn(world, sql, snap, ds, r.pick(sides), round, {});
      }
      // Field edits on the field's own side, wherever that side still shows the record live — also
      // when its deletion on the other side has not been synced yet (a delete racing an edit).
      for (const rec of r.sample(records, Math.max(1, Math.round(records.length * (this.opts.editShare ?? 0.2))))) {
        for (const spec of r.sample(FIELDS[ds], 1 + r.int(2))) {
          const side = rec.editSide[spec.field]!;
          if (!this.liveOn(snap, rec, side)) continue;
          const value = spec.field === 'attendees' ? this.attendees(r, snap, side, rec.values.attendees) : spec.next(this.gen, rec.key, rec.values[spec.field] ?? null, side);
          if (value === undefined) continue;
          await this.write(world, sql, snap, rec, side, { [spec.field]: value });
          rec.values[spec.field] = value;
          this.edits.push({ round, side, dataset: ds, key: rec.key, kind: 'update', field: spec.field, value });
        }
      }
      // A delete, and a restore, on the record's delete side.
      const deletable = records.filter((x) => !x.deleted && x.deleteSide && this.liveOn(snap, x, x.deleteSide) && x.born < round);
      if (deletable.length && r.chance(0.5)) await this.setDeleted(world, sql, snap, r.pick(deletable), true, round);
      const restorable = records.filter((x) => x.deleted && x.deleteSide && snap.one(ds, x.deleteSide, x.key)?.deleted);
      if (restorable.length && r.chance(0.6)) await this.setDeleted(world, sql, snap, r.pick(restorable), false, round);
    }
    return this.edits.length - before;
  }

  /** Live on `side` as that side shows it: exactly one object, not deleted (Google: the record is not deleted). */
  private liveOn(snap: Snapshot, rec: LogicalRecord, side: Side): boolean {
    const o = snap.one(rec.dataset, side, rec.key);
    if (!o || o.deleted) return false;
    return side !== 'google' || !rec.deleted;
  }

  /** Attendees: 0–3 stable contacts (never deleted) that exist on the side. */
  private attendees(r: Rng, snap: Snapshot, side: Side, current: Value | undefined): Value | undefined {
    const stable = [...this.records.values()].filter((x) => x.dataset === 'contacts' && x.deleteSide === null && snap.one('contacts', side, x.key));
    for (let i = 0; i < 10; i++) {
      const v = r.sample(stable, r.int(4)).map((x) => x.key);
      if (!sameValue(v, current ?? [])) return v;
    }
    return undefined;
  }

  private async createIn(world: World, sql: Sql | null, snap: Snapshot | null, ds: DatasetName, side: Side, round: number, o: { stable?: boolean }): Promise<void> {
    const key = `${PREFIX[ds]}${String(this.next[ds]++).padStart(4, '0')}`;
    const r = this.rng.fork(`create:${key}`);
    const values: Values = {};
    for (const spec of FIELDS[ds]) {
      if (spec.field === 'attendees') {
        // Seeded meetings link seed contacts in Notion; later ones link contacts the side already has.
        const stable = [...this.records.values()].filter((x) => x.dataset === 'contacts' && x.deleteSide === null && (snap ? snap.one('contacts', side, x.key) : x.origin === 'notion'));
        values.attendees = r.sample(stable, r.int(4)).map((x) => x.key);
      } else if (spec.field === 'emails' || spec.field === 'phones') {
        values[spec.field] = spec.field === 'emails' ? [this.gen.email(key)] : r.chance(0.8) ? [this.gen.phone()] : [];
      } else values[spec.field] = spec.next(this.gen, key, null, side);
    }
    if (ds === 'contacts' && side === 'google') {
      // Google holds no notes or tags; Notion and Postgres take the company of a new Google contact.
      values.notes = null;
      values.tags = [];
    }
    const editSide: Record<string, Side> = {};
    for (const spec of FIELDS[ds]) {
      const sides = spec.sides.filter((s) => s !== 'google' || (this.opts.google && world.google));
      editSide[spec.field] = r.pick(sides);
    }
    const deleteSide: Side | null = o.stable ? null : ds === 'contacts' && r.chance(0.3) ? null : r.pick(['notion', 'postgres'] as Side[]);
    const rec: LogicalRecord = { key, dataset: ds, origin: side, values, deleted: false, editSide, deleteSide, born: round };
    if (side === 'notion') {
      const props: Record<string, unknown> = {};
      for (const spec of FIELDS[ds]) Object.assign(props, spec.toNotion(values[spec.field] ?? null, snap ?? this.seedRefs(world)));
      world.notion.createPage(world.dataSources[ds], props);
    } else if (side === 'google') {
      const person: Partial<Person> = {};
      for (const spec of FIELDS.contacts) if (spec.toGoogle) Object.assign(person, spec.toGoogle(values[spec.field] ?? null));
      if (values.company) person.organizations = [{ name: values.company as string }];
      world.google!.people.addPerson(person);
    } else {
      const cols = FIELDS[ds].flatMap((spec) => spec.toPostgres(values[spec.field] ?? null, snap!));
      await sql!.query(
        `INSERT INTO ${TABLE[ds]} (${cols.map((c) => c[0]).join(', ')}) VALUES (${cols.map((c, i) => `$${i + 1}::${c[1]}`).join(', ')})`,
        cols.map((c) => c[2]),
      );
    }
    this.records.set(key, rec);
    this.edits.push({ round, side, dataset: ds, key, kind: 'create' });
  }

  /** Relation targets during the seed: the contact pages created so far, by their titles. */
  private seedRefs(world: World): Refs {
    const pages = world.notion.listPages(world.dataSources.contacts);
    const byKey = new Map(pages.map((p) => [String((p.properties.Name as any).title.map((t: any) => t.plain_text).join('')).slice(0, 5), p.id]));
    return { contactPageId: (k) => byKey.get(k), contactRowId: () => undefined, contactKeyOfPage: () => undefined, contactKeyOfRow: () => undefined };
  }

  private async write(world: World, sql: Sql, snap: Snapshot, rec: LogicalRecord, side: Side, values: Values): Promise<void> {
    const specs = FIELDS[rec.dataset].filter((s) => s.field in values);
    const target = snap.one(rec.dataset, side, rec.key)!;
    if (side === 'notion') {
      const props: Record<string, unknown> = {};
      for (const spec of specs) Object.assign(props, spec.toNotion(values[spec.field]!, snap));
      world.notion.updatePage(target.id, props);
    } else if (side === 'google') {
      const patch: Partial<Person> = {};
      for (const spec of specs) Object.assign(patch, spec.toGoogle!(values[spec.field]!));
      world.google!.people.updatePerson(target.id, patch);
    } else {
      const cols = specs.flatMap((spec) => spec.toPostgres(values[spec.field]!, snap));
      await updateRow(sql, TABLE[rec.dataset], target.id, cols);
    }
  }

  private async setDeleted(world: World, sql: Sql, snap: Snapshot, rec: LogicalRecord, deleted: boolean, round: number): Promise<void> {
    const target = snap.one(rec.dataset, rec.deleteSide!, rec.key)!;
    if (rec.deleteSide === 'notion') world.notion.trashPage(target.id, deleted);
    else await sql.query(`UPDATE ${TABLE[rec.dataset]} SET deleted_at = ${deleted ? 'now()' : 'NULL'} WHERE id = $1::uuid`, [target.id]);
    rec.deleted = deleted;
    this.edits.push({ round, side: rec.deleteSide!, dataset: rec.dataset, key: rec.key, kind: deleted ? 'delete' : 'restore' });
  }
}

async function updateRow(sql: Sql, table: string, id: string, cols: Array<[string, SqlType, unknown]>): Promise<void> {
  await sql.query(`UPDATE ${table} SET ${cols.map((c, i) => `${c[0]} = $${i + 2}::${c[1]}`).join(', ')} WHERE id = $1::uuid`, [id, ...cols.map((c) => c[2])]);
}

// ---- the oracle ---------------------------------------------------------------------------------

export interface Finding {
  kind: 'lost' | 'duplicated' | 'wrongly-deleted' | 'unexpected';
  dataset: DatasetName;
  key: string | null;
  side: Side;
  detail: string;
}

export interface Verdict {
  records: number;
  lost: number;
  duplicated: number;
  wronglyDeleted: number;
  findings: Finding[];
}

/**
 * Compares every side with the expected state. Per logical record (each counted at most once per
 * kind): duplicated — more than one object for it on some side; wrongly deleted — expected live
 * but deleted (trashed / deleted_at) on some side; lost — missing on a side it must be on, a field
 * that does not hold its last written value, or a delete/restore that did not arrive. Objects that
 * belong to no record count as duplicates (something made them).
 */
export function judge(model: Model, snap: Snapshot, google: boolean): Verdict {
  const findings: Finding[] = [];
  const sidesOf = (ds: DatasetName): Side[] => (ds === 'contacts' && google ? ['notion', 'postgres', 'google'] : ['notion', 'postgres']);
  const flagged = { lost: new Set<string>(), duplicated: new Set<string>(), wronglyDeleted: new Set<string>() };
  const add = (f: Finding) => {
    findings.push(f);
    const id = `${f.dataset}:${f.key ?? f.detail}`;
    if (f.kind === 'lost') flagged.lost.add(id);
    else if (f.kind === 'wrongly-deleted') flagged.wronglyDeleted.add(id);
    else flagged.duplicated.add(id);
  };
  for (const rec of model.records.values()) {
    for (const side of sidesOf(rec.dataset)) {
      const objs = snap.get(rec.dataset, side, rec.key);
      if (objs.length > 1) add({ kind: 'duplicated', dataset: rec.dataset, key: rec.key, side, detail: `${objs.length} objects: ${objs.map((o) => `${o.id}${o.deleted ? ' (deleted)' : ''}`).join(', ')}` });
      if (objs.length === 0) {
        // A deleted record need not have reached every side (a row deleted before it was ever synced stays local).
        if (!rec.deleted) add({ kind: 'lost', dataset: rec.dataset, key: rec.key, side, detail: 'missing' });
        continue;
      }
      if (side === 'google') {
        if (rec.deleted) continue; // Google contacts are never deleted by a sync; their values stop mattering.
      } else if (rec.deleted && !objs.some((o) => o.deleted)) {
        add({ kind: 'lost', dataset: rec.dataset, key: rec.key, side, detail: 'deletion did not arrive' });
        continue;
      } else if (!rec.deleted && objs.every((o) => o.deleted)) {
        add({ kind: 'wrongly-deleted', dataset: rec.dataset, key: rec.key, side, detail: 'deleted, expected live' });
        continue;
      }
      if (rec.deleted) continue; // a trashed page takes no property edits (documented): values are checked once restored
      const o = objs.find((x) => !x.deleted) ?? objs[0]!;
      for (const spec of FIELDS[rec.dataset]) {
        if (side === 'google' && !spec.google) continue;
        const want = spec.shownOn ? spec.shownOn(side, rec.values[spec.field] ?? null) : (rec.values[spec.field] ?? null);
        const got = o.values[spec.field] ?? null;
        if (!sameValue(want, got)) add({ kind: 'lost', dataset: rec.dataset, key: rec.key, side, detail: `${spec.field}: expected ${JSON.stringify(want)}, found ${JSON.stringify(got)}` });
      }
    }
  }
  for (const o of snap.unkeyed()) add({ kind: 'unexpected', dataset: o.dataset, key: null, side: o.side, detail: `${o.side} object ${o.id} titled ${JSON.stringify(o.title)} belongs to no record` });
  for (const o of snap.objects) {
    if (o.key && !model.records.has(o.key)) add({ kind: 'unexpected', dataset: o.dataset, key: o.key, side: o.side, detail: `${o.side} object ${o.id} has key ${o.key}, which no edit created` });
  }
  return { records: model.records.size, lost: flagged.lost.size, duplicated: flagged.duplicated.size, wronglyDeleted: flagged.wronglyDeleted.size, findings };
}

/** The edit history of one record, for a report. */
export function historyOf(model: Model, key: string): string[] {
  return model.edits.filter((e) => e.key === key).map((e) => `r${e.round} ${e.side} ${e.kind}${e.field ? ` ${e.field}=${JSON.stringify(e.value)}` : ''}`);
}

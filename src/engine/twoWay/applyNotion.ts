/**
 * The Notion writes of a two-way run, one record at a time (the connector paces them). A record
 * whose Notion write fails is not written to Postgres either, and is retried next run with the same
 * inputs. Both kinds of write are made recoverable before they are sent:
 *   - a create is marked in sync_links first: a crash after Notion accepted the page finds it again
 *     by its row id property (readPagesOfRows) instead of creating a second one;
 *   - an update records what it is about to write (ATTEMPTED) on the base the merge used, so a write
 *     that landed unconfirmed is recognised as ours, not taken for a Notion edit.
 */
import { errorKind } from '../../connectors/errors.ts';
import { Build } from '../../connectors/notion/index.ts';
import { upsertLinks } from '../../store/index.ts';
import { agreedBase, ATTEMPTED, DELETED, planPair, type PairInput, type TwoWayEntry } from '../planTwoWay.ts';
import { collectRelationIds, resolveRecordIds } from '../relations.ts';
import { notionProperties, notionState, readNotionPage } from './notionSide.ts';
import type { TwoWayPlan } from './plan.ts';
import { withComputed } from './readOnly.ts';
import type { TwoWayRun } from './run.ts';

/** Writes the plan's Notion side; returns the entries written (or with nothing for Notion), as Notion answered them. */
export async function applyNotionWrites(run: TwoWayRun, plan: TwoWayPlan): Promise<TwoWayEntry[]> {
  const { ctx, ds, opts, errors } = run;
  const { store, notion, config } = ctx;
  const { active, inputs } = plan;

  const pageIdMaps = await resolveRecordIds(store, config, ds, collectRelationIds(ds, active.filter((e) => e.toNotion.length || e.action === 'create-in-notion').map((e) => e.final)));
  const pageIdOf = (name: string, id: string) => pageIdMaps.get(name)?.get(id);
  const creates = active.filter((e) => e.action === 'create-in-notion');
  if (creates.length) {
    // The marker's base is the value being sent, so the recovered pair merges field by field.
    await upsertLinks(store, ds.name, creates.map((e) => ({ recordId: e.recordId!, notionPageId: null, base: e.final })));
    await ctx.failpoint?.('create:marked');
  }
  // On the base the merge used: an earlier write of ours recognised as landed must stay agreed if
  // this one fails — on the ledger's raw base, Notion's copy of it would look like a Notion edit.
  const updates = active.filter((e) => e.action !== 'create-in-notion' && e.toNotion.some((c) => c.field !== DELETED) && e.recordId && inputs.get(e)?.base);
  if (updates.length) {
    await upsertLinks(
      store,
      ds.name,
      updates.map((e) => {
        const attempted = Object.fromEntries(e.toNotion.filter((c) => c.field !== DELETED).map((c) => [c.field, c.to]));
        return { recordId: e.recordId!, notionPageId: e.pageId, base: { ...agreedBase(inputs.get(e)!)!, [ATTEMPTED]: attempted }, notionEditedAt: null, pgUpdatedAt: null };
      }),
    );
  }

  const done: TwoWayEntry[] = [];
  const notionBound = active.filter((e) => e.action === 'create-in-notion' || e.toNotion.length).length;
  let notionWritesDone = 0;
  for (let entry of active) {
    const key = entry.recordId ?? entry.pageId!;
    if (entry.action === 'create-in-notion' || entry.toNotion.length) opts.onProgress?.({ dataset: ds.name, phase: 'write Notion', done: notionWritesDone++, total: notionBound });
    try {
      if (entry.action === 'create-in-notion') {
        const props = { ...notionProperties(ds, entry.final, 'all', pageIdOf), [ds.rowIdProperty!]: Build.rich_text(entry.recordId!) };
        const page = await notion.createPage(run.dataSourceId, props);
        await ctx.failpoint?.('create:notion-accepted');
        entry = withComputed(ds, { ...entry, pageId: page.id, notionEditedAt: Date.parse(page.last_edited_time) }, page, entry.final);
      } else if (entry.toNotion.length) {
        entry = await writeNotionUpdate(run, plan, pageIdOf, entry, inputs.get(entry)!);
      }
      done.push(entry);
    } catch (e) {
      errors.fail(key, e, entry.recordId ? 'record_id' : 'notion_page_id');
    }
  }
  return done;
}

/**
 * PATCHes the changed properties (and trash state). On 409 conflict_error, or a refusal because the
 * page was trashed since we read it (an incremental window never returns trashed pages), re-reads
 * the page, merges again, retries once: the merge then sees the trash like a full run would.
 */
async function writeNotionUpdate(
  run: TwoWayRun,
  plan: TwoWayPlan,
  pageIdOf: (dataset: string, recordId: string) => string | undefined,
  entry: TwoWayEntry,
  input: PairInput,
  attempt = 0,
): Promise<TwoWayEntry> {
  const { ds, ctx } = run;
  const props = entry.toNotion.filter((c) => c.field !== DELETED);
  const trash = entry.toNotion.find((c) => c.field === DELETED);
  try {
    const page = await ctx.notion.updatePage(entry.pageId!, {
      ...(props.length ? { properties: notionProperties(ds, entry.final, props, pageIdOf) } : {}),
      ...(trash ? { in_trash: Boolean(entry.final[DELETED]) } : {}),
    });
    return withComputed(ds, { ...entry, notionEditedAt: Date.parse(page.last_edited_time) }, page, input.postgres?.record);
  } catch (e) {
    if (!(isConcurrentEdit(e) || isTrashedPageRefusal(e)) || attempt > 0) throw e;
    const fresh = await ctx.notion.retrievePage(entry.pageId!);
    if (!fresh) throw e;
    const state = notionState(ds, readNotionPage(ds, fresh), (name) => plan.relationIds.get(name) ?? new Map());
    const again = planPair({ ...input, notion: state }, plan.planOpts);
    if (!again.toNotion.length) return again;
    Object.assign(entry, again);
    return writeNotionUpdate(run, plan, pageIdOf, again, { ...input, notion: state }, attempt + 1);
  }
}

function isConcurrentEdit(e: unknown): boolean {
  return errorKind(e) === 'conflict';
}

/** Notion's 400 for property edits of a trashed ("archived") page. */
function isTrashedPageRefusal(e: unknown): boolean {
  return errorKind(e) === 'validation' && /\barchived\b|\bin trash\b/i.test((e as { message?: string }).message ?? '');
}

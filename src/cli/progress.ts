/**
 * Progress of a long CLI sync, driven by RunOptions.onProgress: on a terminal one line on stderr,
 * redrawn in place ("books · read 1,200 pages · 240/s"); otherwise (CI, cron, a pipe) a plain line
 * now and then, only for a phase that takes a while, so short runs print nothing extra.
 *
 * The engine does not report progress yet; until it does, readProgress() reports what the CLI
 * can see from outside: the Notion pages each dataset reads (the bulk of a first or full sync).
 */
import type { Config } from '../config/index.ts';
import type { NotionConnector } from '../connectors/notion/types.ts';
import type { RunOptions } from '../engine/context.ts';
import type { Clock } from '../lib/clock.ts';
import { readState, stateKeys } from '../store/index.ts';
import type { Sql } from '../store/types.ts';

/** What RunOptions.onProgress receives. */
export type RunProgress = Parameters<NonNullable<RunOptions['onProgress']>>[0];

export interface ProgressStream {
  write(s: string): unknown;
  isTTY?: boolean;
  columns?: number;
}

export interface ProgressDisplayOptions {
  stream: ProgressStream;
  clock: Pick<Clock, 'now'>;
  /** Default: stream.isTTY. */
  tty?: boolean;
  /** Terminal: shortest time between redraws; default 100 ms. */
  redrawMs?: number;
  /** Plain output: a phase prints its first line after this long; default 10 s. */
  plainAfterMs?: number;
  /** Plain output: then at most one line per this long; default 30 s. */
  plainEveryMs?: number;
}

export interface ProgressDisplay {
  update(p: RunProgress): void;
  /** Writes through `write` (normal output) without tearing the progress line. */
  print(write: () => void): void;
  /** The dataset finished: its line goes. */
  finish(dataset: string): void;
  close(): void;
}

interface Phase {
  key: string;
  p: RunProgress;
  startedAt: number;
  startDone: number;
}

export function createProgressDisplay(opts: ProgressDisplayOptions): ProgressDisplay {
  const { stream, clock } = opts;
  const tty = opts.tty ?? Boolean(stream.isTTY);
  const redrawMs = opts.redrawMs ?? 100;
  const plainAfterMs = opts.plainAfterMs ?? 10_000;
  const plainEveryMs = opts.plainEveryMs ?? 30_000;
  let current: Phase | undefined;
  let shown = false;
  let lastDraw = -Infinity;
  let lastPlain = -Infinity;

  const clear = () => {
    if (tty && shown) stream.write('\r\x1b[2K');
    shown = false;
  };
  const draw = (now: number) => {
    if (!current) return;
    const line = describe(current, now);
    const width = Math.max(20, (stream.columns || 100) - 1);
    stream.write(`\r\x1b[2K${[...line].slice(0, width).join('')}`);
    shown = true;
    lastDraw = now;
  };

  return {
    update(p) {
      const now = clock.now();
      const key = `${p.dataset}\u0000${p.phase}`;
      if (!current || current.key !== key) current = { key, p, startedAt: now, startDone: p.done };
      else current.p = p;
      if (tty) {
        if (now - lastDraw >= redrawMs || (p.total !== undefined && p.done >= p.total)) draw(now);
      } else if (now - current.startedAt >= plainAfterMs && now - lastPlain >= plainEveryMs) {
        stream.write(`progress: ${describe(current, now)}\n`);
        lastPlain = now;
      }
    },
    print(write) {
      clear();
      write();
      if (tty && current) draw(clock.now());
    },
    finish(dataset) {
      if (current?.p.dataset === dataset) {
        clear();
        current = undefined;
      }
    },
    close() {
      clear();
      current = undefined;
    },
  };
}

/** "books · read · 1,200 of 5,000 pages (24%) · 240/s" */
export function describe(phase: Phase, now: number): string {
  const { dataset, phase: name, done, total } = phase.p;
  const seconds = (now - phase.startedAt) / 1000;
  const rate = seconds >= 0.5 ? (done - phase.startDone) / seconds : undefined;
  const n = (x: number) => x.toLocaleString('en-US');
  const count = total !== undefined ? `${n(done)} of ${n(total)}${total > 0 ? ` (${Math.floor((done / total) * 100)}%)` : ''}` : n(done);
  const parts = [dataset, name, count];
  if (rate !== undefined) parts.push(`${rate >= 10 ? Math.round(rate) : rate.toFixed(1)}/s`);
  if (rate && total !== undefined && total > done) parts.push(`~${formatSeconds((total - done) / rate)} left`);
  return parts.join(' · ');
}

function formatSeconds(s: number): string {
  if (s < 90) return `${Math.ceil(s)} s`;
  if (s < 5400) return `${Math.round(s / 60)} min`;
  return `${(s / 3600).toFixed(1)} h`;
}

/**
 * A Notion connector that reports every page it hands to the engine as progress of the dataset
 * the page's data source belongs to (phase "read Notion pages"). Data sources are known from the
 * ids the engine remembers in sync_state and from resolveDataSource calls as they happen.
 * Remove once the engine reports reads through onProgress itself.
 */
export async function withReadProgress(notion: NotionConnector, sql: Sql, config: Config, onProgress: (p: RunProgress) => void): Promise<NotionConnector> {
  const datasetOf = new Map<string, string>();
  for (const ds of config.datasets) {
    const cached = await readState(sql, stateKeys.notionDataSource(ds.name)).catch(() => null);
    if (cached) {
      try {
        datasetOf.set((JSON.parse(cached) as { dataSourceId: string }).dataSourceId, ds.name);
      } catch {
        // unreadable cache: the engine rediscovers it, and so do we below
      }
    }
  }
  const done = new Map<string, number>();
  let lastDataset: string | undefined;
  const count = (dataset: string | undefined) => {
    if (!dataset) return;
    lastDataset = dataset;
    const n = (done.get(dataset) ?? 0) + 1;
    done.set(dataset, n);
    onProgress({ dataset, phase: 'read Notion pages', done: n });
  };
  return {
    ...notion,
    get stats() {
      return notion.stats;
    },
    async resolveDataSource(id) {
      const info = await notion.resolveDataSource(id);
      const ds = config.datasets.find((d) => d.databaseId === id);
      if (ds) datasetOf.set(info.dataSourceId, ds.name);
      return info;
    },
    async *queryPages(dataSourceId, options) {
      for await (const page of notion.queryPages(dataSourceId, options)) {
        count(datasetOf.get(dataSourceId));
        yield page;
      }
    },
    async retrievePage(pageId) {
      const page = await notion.retrievePage(pageId);
      const dataSourceId = page?.parent?.data_source_id as string | undefined;
      count((dataSourceId && datasetOf.get(dataSourceId)) || lastDataset);
      return page;
    },
  };
}

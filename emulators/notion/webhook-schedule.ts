/**
 * When Notion delivers webhook events, on the emulator's clock (Notion's changelog of 2026-10-15,
 * "Faster page webhooks", and "Event types & delivery"):
 * - page.created and other single events: right away, "usually within a few seconds"
 *   (`delayMs`, default 2 s);
 * - page.properties_updated: the first for a page right away; later property edits within the next
 *   minute (`windowMs`) are combined into one event, sent when that minute ends, listing every
 *   property edited and every author;
 * - page.content_updated: aggregated the same way, sent at the end of the window opened by the first
 *   edit.
 * Events fall due by time, so an aggregated event can arrive after a later single one (Notion says
 * events may arrive out of order).
 */
import type { Timers } from './types.ts';

export interface Scheduled {
  seq: number;
  dueAt: number;
  payload: Record<string, any>;
  /** Aggregation key (type + entity) while the event can still absorb later changes. */
  mergeKey: string | null;
}

export interface ScheduleOptions {
  now(): number;
  delayMs: number;
  windowMs: number;
  /** Arms a wake-up for the next due event; null: events fall due only when pump() is called. */
  timers: Timers | null;
  /** Called with the events that fell due, in due order. */
  onDue(events: Scheduled[]): void;
}

export class WebhookSchedule {
  private pending: Scheduled[] = [];
  private seq = 0;
  /** Per aggregation key: when its window opened (the leading event's time). */
  private windows = new Map<string, number>();
  private timer: unknown = null;
  private timerDue = Infinity;

  constructor(private readonly o: ScheduleOptions) {}

  get size(): number {
    return this.pending.length;
  }

  /** A single event: due after the delivery delay. */
  single(payload: Record<string, any>): void {
    this.add(payload, this.o.now() + this.o.delayMs, null);
  }

  /**
   * An aggregating event. `leading`: the first in a quiet period goes out right away (properties);
   * otherwise the window's first event waits for the window to end (content).
   */
  aggregate(key: string, payload: Record<string, any>, leading: boolean, merge: (into: Record<string, any>, from: Record<string, any>) => void): void {
    const now = this.o.now();
    const opened = this.windows.get(key);
    if (opened === undefined || now >= opened + this.o.windowMs) {
      this.windows.set(key, now);
      if (leading) this.add(payload, now + this.o.delayMs, null);
      else this.add(payload, now + this.o.windowMs, key);
      return;
    }
    const open = this.pending.find((e) => e.mergeKey === key);
    if (open) merge(open.payload, payload);
    else this.add(payload, opened + this.o.windowMs, key);
  }

  /** Hands every event due by now to onDue (in due order) and re-arms the wake-up. */
  pump(): void {
    const now = this.o.now();
    const due = this.pending.filter((e) => e.dueAt <= now).sort((a, b) => a.dueAt - b.dueAt || a.seq - b.seq);
    if (due.length) {
      this.pending = this.pending.filter((e) => e.dueAt > now);
      for (const e of due) e.mergeKey = null;
      this.o.onDue(due);
    }
    this.arm();
  }

  /** Forgets everything scheduled (unsubscribe, close). */
  clear(): void {
    this.pending = [];
    this.windows.clear();
    this.disarm();
  }

  private add(payload: Record<string, any>, dueAt: number, mergeKey: string | null): void {
    this.pending.push({ seq: this.seq++, dueAt, payload, mergeKey });
    this.arm();
  }

  private arm(): void {
    const timers = this.o.timers;
    if (!timers) return;
    const next = Math.min(...this.pending.map((e) => e.dueAt));
    if (next === this.timerDue) return;
    this.disarm();
    if (next === Infinity) return;
    this.timerDue = next;
    this.timer = timers.setTimeout(() => {
      this.timer = null;
      this.timerDue = Infinity;
      this.pump();
    }, next - this.o.now());
  }

  private disarm(): void {
    if (this.timer !== null) this.o.timers?.clearTimeout(this.timer);
    this.timer = null;
    this.timerDue = Infinity;
  }
}

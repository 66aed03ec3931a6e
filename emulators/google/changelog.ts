/**
 * Change logs: every write gets the next number of one emulator-wide sequence, and each collection
 * (a calendar, the contacts) appends (seq, id, time) to its own log. "What changed since token S,
 * as of snapshot V" is a binary search plus a walk over just those entries, deduplicated by asking
 * the record for its current seq (an id counts once, at its latest change).
 */

export class Sequence {
  private n = 0;
  /** Sync tokens cut before this seq are expired (expireSyncTokens). */
  barrier = 0;
  next(): number {
    return ++this.n;
  }
  get current(): number {
    return this.n;
  }
}

export class ChangeLog {
  private seqs: number[] = [];
  private ids: string[] = [];
  private ats: number[] = [];

  append(id: string, seq: number, at: number): void {
    this.seqs.push(seq);
    this.ids.push(id);
    this.ats.push(at);
  }

  /**
   * Ids changed in (after, upTo], in change order, each once: an id is reported at its current seq,
   * and skipped when that is past upTo (it changed again after the snapshot and belongs to the next sync).
   */
  changedSince(after: number, upTo: number, currentSeq: (id: string) => number | undefined): string[] {
    const out: string[] = [];
    for (let i = this.firstAbove(after); i < this.seqs.length && this.seqs[i]! <= upTo; i++) {
      const id = this.ids[i]!;
      if (currentSeq(id) === this.seqs[i]) out.push(id);
    }
    return out;
  }

  /**
   * The highest seq whose change is visible at `now` when writes take `delayMs` to propagate: every
   * change up to it happened at or before now - delayMs. `fallback` (the global seq) when nothing is pending.
   */
  visibleUpTo(now: number, delayMs: number, fallback: number): number {
    if (delayMs <= 0) return fallback;
    const cutoff = now - delayMs;
    // Walk back over the (few) changes still propagating.
    let i = this.ats.length - 1;
    while (i >= 0 && this.ats[i]! > cutoff) i--;
    if (i === this.ats.length - 1) return fallback;
    return i >= 0 ? this.seqs[i + 1]! - 1 : this.seqs[0]! - 1;
  }

  /** Forgets entries older than `before` (no valid token can need them). */
  prune(before: number): void {
    let i = 0;
    while (i < this.ats.length && this.ats[i]! < before) i++;
    if (i > 1024 && i > this.ats.length / 2) {
      this.seqs = this.seqs.slice(i);
      this.ids = this.ids.slice(i);
      this.ats = this.ats.slice(i);
    }
  }

  get length(): number {
    return this.seqs.length;
  }

  private firstAbove(seq: number): number {
    let lo = 0;
    let hi = this.seqs.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.seqs[mid]! <= seq) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }
}

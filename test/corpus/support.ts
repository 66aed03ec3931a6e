/**
 * What the bad-input corpus shares: the case shape (one list per area, read by its test file and by
 * the table test that renders README-table.md), a fetch that corrupts chosen pages in Notion's
 * answers (schema drift and malformed values the emulator itself would never store), and small
 * assertion helpers.
 */
import { expect } from 'vitest';
import type { RunResult } from '../../src/engine/result.ts';

/** One malformed or hostile input: what it is, what must happen, and the check (arrange, act, assert). */
export interface CorpusCase<Ctx> {
  /** Stable slug, unique across the corpus. */
  id: string;
  /** The input, as the README table shows it. */
  input: string;
  /** The expected outcome, as the README table shows it. */
  outcome: string;
  run(ctx: Ctx): Promise<void>;
}

/** An area of the corpus: its cases and the heading they get in the table. */
export interface CorpusArea<Ctx> {
  area: string;
  cases: Array<CorpusCase<Ctx>>;
}

/** Changes a page object as Notion's answer carries it (query results and retrieves alike). */
export type PageMutator = (page: Record<string, any>) => void;

/**
 * A fetch for the connector that lets Notion's answers be corrupted per page id: the emulator
 * validates every write, so a page with a missing property, a value of the wrong type or an
 * impossible date can only come from a tampered answer — as it would from an API that drifted.
 */
export function tamperingFetch(mutators: Map<string, PageMutator>): typeof fetch {
  return async (input, init) => {
    const res = await globalThis.fetch(input, init);
    if (!mutators.size) return res;
    const text = await res.text();
    let body: any;
    try {
      body = JSON.parse(text);
    } catch {
      return new Response(text, { status: res.status, headers: withoutLength(res.headers) });
    }
    const apply = (p: any) => {
      if (p && p.object === 'page') mutators.get(p.id)?.(p);
    };
    if (Array.isArray(body?.results)) body.results.forEach(apply);
    else apply(body);
    return new Response(JSON.stringify(body), { status: res.status, headers: withoutLength(res.headers) });
  };
}

function withoutLength(h: Headers): Headers {
  const out = new Headers(h);
  out.delete('content-length');
  return out;
}

/** The run reported exactly these records as errors, each matching its pattern, and nothing else. */
export function expectRecordErrors(result: RunResult, expected: Record<string, RegExp>): void {
  expect(result.status, `${result.dataset}: ${result.message}`).toBe(Object.keys(expected).length ? 'error' : 'success');
  expect(result.errors.map((e) => e.key).sort(), `${result.dataset}: ${result.message}`).toEqual(Object.keys(expected).sort());
  for (const [key, pattern] of Object.entries(expected)) {
    expect(result.errors.find((e) => e.key === key)!.error).toMatch(pattern);
  }
}

/** A string of exactly `n` UTF-16 code units built from `unit` (repeated, then cut). */
export function textOf(n: number, unit = 'abcdefghij'): string {
  return unit.repeat(Math.ceil(n / unit.length)).slice(0, n);
}

export const rich = (content: string) => [{ type: 'text', text: { content, link: null }, plain_text: content, href: null, annotations: { bold: false, italic: false, strikethrough: false, underline: false, code: false, color: 'default' } }];

/** Writes a Notion-request rich-text array (chunks of ≤ 2,000 characters) for emulator control calls. */
export function chunks(text: string, size = 2000): Array<{ text: { content: string } }> {
  const out: Array<{ text: { content: string } }> = [];
  for (let i = 0; i < text.length; i += size) out.push({ text: { content: text.slice(i, i + size) } });
  return out;
}

/** Hostile strings reused across areas. */
export const HOSTILE = {
  sql: `Robert'); DROP TABLE books; -- $1 ; SELECT pg_sleep(30); E'\\x00' \\\\`,
  html: `<script>alert("x")</script><img src=x onerror="alert(1)"> &amp; <!-- -->`,
  emoji: '📚 Read 👩🏽‍💻 with 👨‍👩‍👧‍👦 in 🇯🇵 — ✅',
  rtl: 'كتاب الخيميائي ‏(The Alchemist)‏ ספר עברי ‮reversed‬ end',
  combining: 'Cafe\u0301 / Caf\u00e9 / Z\u0351\u0327a\u0361l\u0336g\u0335o',
} as const;

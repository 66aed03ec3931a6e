/**
 * The formula evaluator on its own: each function family of the formula language people use,
 * answered in Notion's result shapes, and the `unsupported` result for what cannot be evaluated.
 */
import { describe, expect, it } from 'vitest';
import { FormulaError, formulaResult, type FormulaEnv } from '../../../emulators/notion/formula/index.ts';
import { Empty, FDate, parseNotionDate, type Value } from '../../../emulators/notion/formula/values.ts';

const NOW = Date.parse('2026-01-05T09:30:00.000Z');

function envWith(props: Record<string, Value> = {}): FormulaEnv {
  return {
    now: () => NOW,
    prop: (name) => {
      if (!(name in props)) throw new FormulaError(`no property named ${name}`);
      return props[name]!;
    },
  };
}

const run = (expression: string, props: Record<string, Value> = {}) => formulaResult(expression, envWith(props));
const n = (number: number | null) => ({ type: 'number', number });
const s = (string: string | null) => ({ type: 'string', string });
const b = (boolean: boolean | null) => ({ type: 'boolean', boolean });
const d = (start: string, end: string | null = null) => ({ type: 'date', date: { start, end, time_zone: null } });
const UNSUPPORTED = { type: 'unsupported', unsupported: {} };

describe('formula evaluator: arithmetic and comparison', () => {
  it('follows operator precedence, right-associative ^, unary minus, %', () => {
    expect(run('1 + 2 * 3')).toEqual(n(7));
    expect(run('(1 + 2) * 3')).toEqual(n(9));
    expect(run('2 ^ 3 ^ 2')).toEqual(n(512));
    expect(run('-2 ^ 2')).toEqual(n(4));
    expect(run('10 % 4 - 1 / 4')).toEqual(n(1.75));
    expect(run('prop("Count") * 2', { Count: 21 })).toEqual(n(42));
  });

  it('keeps an empty number empty through arithmetic; division by zero reads as no number', () => {
    expect(run('prop("Count") * 2', { Count: new Empty('number') })).toEqual(n(null));
    expect(run('1 / 0')).toEqual(n(null));
  });

  it('compares numbers, text and dates; == is structural', () => {
    expect(run('prop("A") > 3 and prop("A") <= 5', { A: 5 })).toEqual(b(true));
    expect(run('"abc" < "abd"')).toEqual(b(true));
    expect(run('prop("D") < now()', { D: parseNotionDate('2026-01-01') })).toEqual(b(true));
    expect(run('[1, 2] == [1, 2] && 1 != 2')).toEqual(b(true));
    expect(run('prop("E") > 1', { E: new Empty('number') })).toEqual(b(false));
    expect(run('1 > "a"')).toEqual(UNSUPPORTED);
  });
});

describe('formula evaluator: logic', () => {
  it('if, ifs, ternary, and/or/not as words, symbols and functions', () => {
    expect(run('if(prop("Done"), "yes", "no")', { Done: true })).toEqual(s('yes'));
    expect(run('ifs(prop("P") > 10, "big", prop("P") > 5, "medium", "small")', { P: 7 })).toEqual(s('medium'));
    expect(run('ifs(prop("P") > 10, "big", "small")', { P: 1 })).toEqual(s('small'));
    expect(run('prop("P") > 1 ? "x" : "y"', { P: 2 })).toEqual(s('x'));
    expect(run('and(true, not false) && or(false, !false) || false')).toEqual(b(true));
    expect(run('not(true)')).toEqual(b(false));
  });

  it('short-circuits: the branch not taken is never evaluated', () => {
    expect(run('if(true, 1, prop("Missing"))')).toEqual(n(1));
    expect(run('false and prop("Missing")')).toEqual(b(false));
  });

  it('empty() is true for no value, "", [], 0 and false', () => {
    expect(run('empty(prop("T"))', { T: new Empty('string') })).toEqual(b(true));
    expect(run('[empty(""), empty(0), empty(false), empty([]), empty("x"), empty(1)]')).toEqual(s('true, true, true, true, false, false'));
  });
});

describe('formula evaluator: text', () => {
  it('concat, +, format, length, contains, replace, replaceAll, lower/upper, join, method syntax', () => {
    expect(run('concat("a", "b", 1)')).toEqual(s('ab1'));
    expect(run('"Pages: " + prop("P")', { P: 412 })).toEqual(s('Pages: 412'));
    expect(run('format(1.5) + format(true)')).toEqual(s('1.5true'));
    expect(run('length("héllo") + length(prop("Tags"))', { Tags: ['a', 'b'] })).toEqual(n(7));
    expect(run('contains("Frank Herbert", "Herb")')).toEqual(b(true));
    expect(run('contains(prop("Tags"), "b")', { Tags: ['a', 'b'] })).toEqual(b(true));
    expect(run('replace("a-b-c", "-", "+")')).toEqual(s('a+b-c'));
    expect(run('replaceAll("a-b-c", "[-]", "")')).toEqual(s('abc'));
    expect(run('upper("x") + lower("Y")')).toEqual(s('Xy'));
    expect(run('join(prop("Tags"), "/")', { Tags: ['a', 'b'] })).toEqual(s('a/b'));
    expect(run('prop("Name").length()', { Name: 'Dune' })).toEqual(n(4));
  });

  it('an empty text result reads as string null', () => {
    expect(run('prop("T")', { T: new Empty('string') })).toEqual(s(null));
    expect(run('""')).toEqual(s(null));
  });

  it('toNumber converts text, booleans and dates; unparseable text is an empty number', () => {
    expect(run('toNumber("42.5") + toNumber(true)')).toEqual(n(43.5));
    expect(run('toNumber("abc")')).toEqual(n(null));
    expect(run('toNumber(prop("D"))', { D: parseNotionDate('2026-01-01') })).toEqual(n(Date.parse('2026-01-01T00:00:00Z')));
  });
});

describe('formula evaluator: dates', () => {
  it('now() is the injected clock; date-only values stay date-only', () => {
    expect(run('now()')).toEqual(d('2026-01-05T09:30:00.000Z'));
    expect(run('today()')).toEqual(d('2026-01-05'));
    expect(run('prop("D")', { D: parseNotionDate('2026-02-01', '2026-02-03') })).toEqual(d('2026-02-01', '2026-02-03'));
  });

  it('reads a date property with a time zone as the instant it names, a time without one as UTC', () => {
    // Notion keeps "09:30 in Europe/London" as wall time plus the zone; a formula sees the instant (08:30 UTC in summer).
    expect(run('prop("D")', { D: parseNotionDate('2026-07-01T09:30:00', null, 'Europe/London') })).toEqual(d('2026-07-01T08:30:00.000Z'));
    expect(run('dateAdd(prop("D"), 1, "days")', { D: parseNotionDate('2026-01-15T09:30:00', '2026-01-15T10:00:00', 'America/New_York') })).toEqual(
      d('2026-01-16T14:30:00.000Z', '2026-01-16T15:00:00.000Z'),
    );
    expect(run('prop("D")', { D: parseNotionDate('2026-07-01T09:30:00') })).toEqual(d('2026-07-01T09:30:00.000Z'));
  });

  it('dateAdd / dateSubtract in every unit; months clamp to the month end', () => {
    expect(run('dateAdd(prop("D"), 1, "months")', { D: parseNotionDate('2026-01-31') })).toEqual(d('2026-02-28'));
    expect(run('dateAdd(prop("D"), 1, "quarters")', { D: parseNotionDate('2026-01-15') })).toEqual(d('2026-04-15'));
    expect(run('dateAdd(now(), 90, "minutes")')).toEqual(d('2026-01-05T11:00:00.000Z'));
    expect(run('dateSubtract(now(), 2, "weeks")')).toEqual(d('2025-12-22T09:30:00.000Z'));
    expect(run('dateSubtract(prop("D"), 1, "years")', { D: parseNotionDate('2024-02-29') })).toEqual(d('2023-02-28'));
    expect(run('dateAdd(prop("D"), 1, "days")', { D: new Empty('date') })).toEqual({ type: 'date', date: null });
    expect(run('dateAdd(now(), 1, "fortnights")')).toEqual(UNSUPPORTED);
  });

  it('dateBetween counts whole units from the second date to the first', () => {
    const env = { A: parseNotionDate('2026-03-15'), B: parseNotionDate('2026-01-31') };
    expect(run('dateBetween(prop("A"), prop("B"), "days")', env)).toEqual(n(43));
    expect(run('dateBetween(prop("A"), prop("B"), "months")', env)).toEqual(n(1));
    expect(run('dateBetween(prop("B"), prop("A"), "weeks")', env)).toEqual(n(-6));
    expect(run('dateBetween(prop("A"), prop("B"), "years")', env)).toEqual(n(0));
  });

  it('formatDate takes Day.js-style patterns; format() of a date reads like Notion shows it', () => {
    expect(run('formatDate(now(), "YYYY-MM-DD HH:mm dddd [at] h A")')).toEqual(s('2026-01-05 09:30 Monday at 9 AM'));
    expect(run('formatDate(prop("D"), "MMM D, YY")', { D: parseNotionDate('2026-07-04') })).toEqual(s('Jul 4, 26'));
    expect(run('format(now())')).toEqual(s('January 5, 2026 9:30 AM'));
    expect(run('year(now()) * 100 + month(now())')).toEqual(n(202601));
  });
});

describe('formula evaluator: what it cannot evaluate', () => {
  it.each([
    ['a syntax error', 'prop("A" +'],
    ['an unterminated string', '"abc'],
    ['an unknown function', 'frobnicate(1)'],
    ['an unknown property', 'prop("Nope")'],
    ['a bare name', 'Count * 2'],
    ['a type mismatch', 'true * 2'],
    ['wrong arity', 'if(true, 1)'],
    ['an invalid pattern', 'replace("a", "(", "b")'],
  ])('%s reads as unsupported', (_what, expression) => {
    expect(run(expression, { A: 1 })).toEqual(UNSUPPORTED);
  });

  it('lists come back as text joined with ", "', () => {
    expect(run('prop("Tags")', { Tags: ['a', 'b'] })).toEqual(s('a, b'));
    expect(run('concat(prop("Tags"), ["c"])', { Tags: ['a', 'b'] })).toEqual(s('a, b, c'));
  });

  it('keeps the instant of date values (FDate) exact', () => {
    const v = new FDate(NOW, null, true);
    expect(run('prop("When") == now()', { When: v })).toEqual(b(true));
  });
});

/**
 * Eagerly evaluated functions: text (concat, format, length, contains, replace, …), numbers
 * (toNumber, round, min, max, …), lists, and the 1.0 operator functions (add, equal, larger, …).
 * The short-circuiting ones (if, ifs, and, or) live in the evaluator.
 */
import { Empty, FDate, FormulaError, isEmptyValue, toText, typeName, type Value } from './values.ts';

type Fn = (args: Value[]) => Value;

function arity(fn: string, args: Value[], min: number, max = min): void {
  if (args.length < min || args.length > max) {
    throw new FormulaError(`${fn}() takes ${min === max ? min : `${min} to ${max}`} argument${max === 1 ? '' : 's'}, got ${args.length}`);
  }
}

function text(v: Value, fn: string): string | null {
  if (v instanceof Empty) return null;
  if (typeof v === 'string') return v;
  throw new FormulaError(`${fn}() needs text, not ${typeName(v)}`);
}

export function num(v: Value, fn: string): number | null {
  if (v instanceof Empty) return null;
  if (typeof v === 'number') return v;
  throw new FormulaError(`${fn}() needs a number, not ${typeName(v)}`);
}

function regex(pattern: Value, flags: string, fn: string): RegExp {
  if (typeof pattern !== 'string') throw new FormulaError(`${fn}() needs a text pattern`);
  try {
    return new RegExp(pattern, flags);
  } catch {
    throw new FormulaError(`${fn}(): invalid pattern ${JSON.stringify(pattern)}`);
  }
}

/** Structural equality: dates by instant, lists item by item, empties equal "" and each other. */
export function equal(a: Value, b: Value): boolean {
  if (isEmptyValue(a) && isEmptyValue(b)) return true;
  if (a instanceof FDate && b instanceof FDate) return a.start === b.start && a.end === b.end;
  if (Array.isArray(a) && Array.isArray(b)) return a.length === b.length && a.every((x, i) => equal(x, b[i]!));
  return a === b;
}

/** Ordering for < > <= >=: numbers, text, dates, booleans of the same kind; anything empty → null. */
export function compare(a: Value, b: Value, op: string): number | null {
  if (a instanceof Empty || b instanceof Empty) return null;
  if (a instanceof FDate && b instanceof FDate) return a.start - b.start;
  if (typeof a === typeof b && (typeof a === 'number' || typeof a === 'string' || typeof a === 'boolean')) {
    return a < b ? -1 : a > b ? 1 : 0;
  }
  throw new FormulaError(`cannot compare ${typeName(a)} ${op} ${typeName(b)}`);
}

function numeric(fn: string, f: (...n: number[]) => number, n: number): Fn {
  return (args) => {
    arity(fn, args, n);
    const xs = args.map((a) => num(a, fn));
    return xs.some((x) => x === null) ? new Empty('number') : f(...(xs as number[]));
  };
}

/** Numbers from arguments and lists of numbers (min(1, 2), min([1, 2]) and min(prop("Rollup")) alike). */
function numbersIn(args: Value[], fn: string): number[] {
  const out: number[] = [];
  for (const a of args.flat(Infinity as 1)) {
    const n = num(a as Value, fn);
    if (n !== null) out.push(n);
  }
  return out;
}

export function toNumber(v: Value): Value {
  if (v instanceof Empty) return new Empty('number');
  if (typeof v === 'number') return v;
  if (typeof v === 'boolean') return v ? 1 : 0;
  if (v instanceof FDate) return v.start;
  if (typeof v === 'string') {
    const n = parseFloat(v.replace(/,/g, ''));
    return Number.isNaN(n) ? new Empty('number') : n;
  }
  throw new FormulaError(`toNumber() cannot convert a ${typeName(v)}`);
}

export const FUNCTIONS: Record<string, Fn> = {
  not: (args) => {
    arity('not', args, 1);
    const v = args[0]!;
    if (v instanceof Empty) return true;
    if (typeof v !== 'boolean') throw new FormulaError(`not() needs a boolean, not ${typeName(v)}`);
    return !v;
  },
  // Notion: 0, false, "", [] and no value are all empty.
  empty: (args) => {
    arity('empty', args, 1);
    const v = args[0]!;
    return isEmptyValue(v) || v === 0 || v === false;
  },
  concat: (args) => (args.length > 0 && args.every(Array.isArray) ? (args as Value[][]).flat() : args.map(toText).join('')),
  join: (args) => {
    arity('join', args, 2);
    const [list, sep] = args;
    if (!Array.isArray(list) || typeof sep !== 'string') throw new FormulaError('join() takes a list and a text separator');
    return list.map(toText).join(sep);
  },
  format: (args) => (arity('format', args, 1), toText(args[0]!)),
  length: (args) => {
    arity('length', args, 1);
    const v = args[0]!;
    if (Array.isArray(v)) return v.length;
    if (v instanceof Empty) return 0;
    if (typeof v !== 'string') throw new FormulaError(`length() needs text or a list, not ${typeName(v)}`);
    return [...v].length;
  },
  contains: (args) => {
    arity('contains', args, 2);
    const [hay, needle] = args as [Value, Value];
    if (Array.isArray(hay)) return hay.some((x) => equal(x, needle));
    return (text(hay, 'contains') ?? '').includes(toText(needle));
  },
  test: (args) => (arity('test', args, 2), regex(args[1]!, 'u', 'test').test(text(args[0]!, 'test') ?? '')),
  replace: (args) => (arity('replace', args, 3), (text(args[0]!, 'replace') ?? '').replace(regex(args[1]!, 'u', 'replace'), toText(args[2]!))),
  replaceAll: (args) => (arity('replaceAll', args, 3), (text(args[0]!, 'replaceAll') ?? '').replace(regex(args[1]!, 'gu', 'replaceAll'), toText(args[2]!))),
  lower: (args) => (arity('lower', args, 1), (text(args[0]!, 'lower') ?? '').toLowerCase()),
  upper: (args) => (arity('upper', args, 1), (text(args[0]!, 'upper') ?? '').toUpperCase()),
  trim: (args) => (arity('trim', args, 1), (text(args[0]!, 'trim') ?? '').trim()),
  substring: (args) => {
    arity('substring', args, 2, 3);
    const s = [...(text(args[0]!, 'substring') ?? '')];
    const from = num(args[1]!, 'substring') ?? 0;
    const to = args[2] === undefined ? s.length : (num(args[2], 'substring') ?? s.length);
    return s.slice(from, to).join('');
  },
  split: (args) => (arity('split', args, 2), (text(args[0]!, 'split') ?? '').split(toText(args[1]!))),
  toNumber: (args) => (arity('toNumber', args, 1), toNumber(args[0]!)),
  abs: numeric('abs', Math.abs, 1),
  ceil: numeric('ceil', Math.ceil, 1),
  floor: numeric('floor', Math.floor, 1),
  sqrt: numeric('sqrt', Math.sqrt, 1),
  cbrt: numeric('cbrt', Math.cbrt, 1),
  exp: numeric('exp', Math.exp, 1),
  ln: numeric('ln', Math.log, 1),
  log10: numeric('log10', Math.log10, 1),
  log2: numeric('log2', Math.log2, 1),
  sign: numeric('sign', Math.sign, 1),
  pow: numeric('pow', Math.pow, 2),
  mod: numeric('mod', (a, b) => a % b, 2),
  add: (args) => (arity('add', args, 2), plus(args[0]!, args[1]!)),
  subtract: numeric('subtract', (a, b) => a - b, 2),
  multiply: numeric('multiply', (a, b) => a * b, 2),
  divide: numeric('divide', (a, b) => a / b, 2),
  unaryMinus: numeric('unaryMinus', (a) => -a, 1),
  round: (args) => {
    arity('round', args, 1, 2);
    const n = num(args[0]!, 'round');
    const places = args[1] === undefined ? 0 : (num(args[1], 'round') ?? 0);
    if (n === null) return new Empty('number');
    const f = 10 ** places;
    // Half away from zero, as Notion shows it (Math.round(-2.5) would give -2).
    return (Math.sign(n) * Math.round(Math.abs(n) * f)) / f;
  },
  min: (args) => {
    const xs = numbersIn(args, 'min');
    return xs.length ? Math.min(...xs) : new Empty('number');
  },
  max: (args) => {
    const xs = numbersIn(args, 'max');
    return xs.length ? Math.max(...xs) : new Empty('number');
  },
  sum: (args) => numbersIn(args, 'sum').reduce((a, b) => a + b, 0),
  mean: (args) => {
    const xs = numbersIn(args, 'mean');
    return xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : new Empty('number');
  },
  equal: (args) => (arity('equal', args, 2), equal(args[0]!, args[1]!)),
  unequal: (args) => (arity('unequal', args, 2), !equal(args[0]!, args[1]!)),
  larger: (args) => (arity('larger', args, 2), (compare(args[0]!, args[1]!, '>') ?? 0) > 0),
  largerEq: (args) => (arity('largerEq', args, 2), (compare(args[0]!, args[1]!, '>=') ?? -1) >= 0),
  smaller: (args) => (arity('smaller', args, 2), (compare(args[0]!, args[1]!, '<') ?? 0) < 0),
  smallerEq: (args) => (arity('smallerEq', args, 2), (compare(args[0]!, args[1]!, '<=') ?? 1) <= 0),
  at: (args) => {
    arity('at', args, 2);
    const [list, i] = args;
    if (!Array.isArray(list)) throw new FormulaError('at() takes a list and an index');
    const idx = num(i!, 'at') ?? 0;
    return list.at(idx) ?? new Empty('string');
  },
  first: (args) => (Array.isArray(args[0]) ? (args[0][0] ?? new Empty('string')) : args[0] ?? new Empty('string')),
  last: (args) => (Array.isArray(args[0]) ? (args[0].at(-1) ?? new Empty('string')) : args[0] ?? new Empty('string')),
  toText: (args) => (arity('toText', args, 1), toText(args[0]!)),
};

/** `+`: numbers add; with text on either side it joins as text; an empty number stays empty. */
export function plus(a: Value, b: Value): Value {
  const isText = (v: Value) => typeof v === 'string' || (v instanceof Empty && v.of === 'string');
  if (isText(a) || isText(b)) return toText(a) + toText(b);
  if (typeof a === 'number' && typeof b === 'number') return a + b;
  if ((a instanceof Empty || typeof a === 'number') && (b instanceof Empty || typeof b === 'number')) return new Empty('number');
  throw new FormulaError(`cannot add ${typeName(a)} and ${typeName(b)}`);
}

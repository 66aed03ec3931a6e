/**
 * Formula properties: parse (cached per expression), evaluate against a page, and answer in the
 * API's result shapes — `{ type: "number" | "string" | "boolean" | "date", … }`.
 *
 * What Notion answers for a formula it cannot compute is not documented (Notion refuses to save a
 * broken formula in its editor). Here an expression the evaluator cannot parse or evaluate (syntax,
 * unknown function or property, type mismatch, a property cycle) reads as the SDK's
 * `{ type: "unsupported", unsupported: {} }`, the one formula shape that carries no value; lists
 * read as text joined with ", " and non-finite numbers (division by zero) as `number: null`.
 */
import { evaluate, type FormulaEnv } from './evaluator.ts';
import { parse, type Node } from './parser.ts';
import { apiDate, Empty, FDate, FormulaError, toText, type Value } from './values.ts';

export type { FormulaEnv } from './evaluator.ts';
export { fromPropertyValue, type PropContext } from './props.ts';
export { FormulaError } from './values.ts';

export type FormulaResult =
  | { type: 'string'; string: string | null }
  | { type: 'number'; number: number | null }
  | { type: 'boolean'; boolean: boolean | null }
  | { type: 'date'; date: { start: string; end: string | null; time_zone: null } | null }
  | { type: 'unsupported'; unsupported: Record<string, never> };

const UNSUPPORTED: FormulaResult = { type: 'unsupported', unsupported: {} };
const cache = new Map<string, Node | FormulaError>();

function parsed(expression: string): Node {
  let hit = cache.get(expression);
  if (!hit) {
    try {
      hit = parse(expression);
    } catch (e) {
      if (!(e instanceof FormulaError)) throw e;
      hit = e;
    }
    if (cache.size > 500) cache.clear();
    cache.set(expression, hit);
  }
  if (hit instanceof FormulaError) throw hit;
  return hit;
}

/** The value (formula types); throws FormulaError. */
export function evaluateExpression(expression: string, env: FormulaEnv): Value {
  return evaluate(parsed(expression), env);
}

export function toResult(v: Value): FormulaResult {
  if (v instanceof Empty) {
    if (v.of === 'number') return { type: 'number', number: null };
    if (v.of === 'date') return { type: 'date', date: null };
    if (v.of === 'boolean') return { type: 'boolean', boolean: null };
    return { type: 'string', string: null };
  }
  if (typeof v === 'number') return { type: 'number', number: Number.isFinite(v) ? v : null };
  if (typeof v === 'boolean') return { type: 'boolean', boolean: v };
  if (v instanceof FDate) return { type: 'date', date: apiDate(v) };
  const text = toText(v);
  return { type: 'string', string: text === '' ? null : text };
}

/** The formula's API result for one page; what cannot be evaluated reads as `unsupported`. */
export function formulaResult(expression: string, env: FormulaEnv): FormulaResult {
  try {
    return toResult(evaluateExpression(expression, env));
  } catch (e) {
    if (e instanceof FormulaError || e instanceof RangeError) return UNSUPPORTED;
    throw e;
  }
}

/**
 * Evaluates a parsed formula against one page: `prop("Name")` asks the environment (the page's
 * values in formula types), `now()` reads the emulator's clock. Short-circuiting functions (if, ifs,
 * and, or) and operators are here; everything else is in functions.ts and dates.ts.
 */
import { dateFunctions } from './dates.ts';
import { compare, equal, FUNCTIONS, num, plus } from './functions.ts';
import type { Node } from './parser.ts';
import { Empty, FormulaError, typeName, type Value } from './values.ts';

export interface FormulaEnv {
  /** A property's value in formula types; throws FormulaError for an unknown name. */
  prop(name: string): Value;
  now(): number;
}

const CONSTANTS: Record<string, Value> = { true: true, false: false, pi: Math.PI, e: Math.E };

function bool(v: Value, where: string): boolean {
  if (v instanceof Empty) return false;
  if (typeof v !== 'boolean') throw new FormulaError(`${where} needs a boolean, not ${typeName(v)}`);
  return v;
}

export function evaluate(node: Node, env: FormulaEnv): Value {
  switch (node.k) {
    case 'num':
      return node.v;
    case 'str':
      return node.v;
    case 'list':
      return node.items.map((n) => evaluate(n, env));
    case 'name':
      if (node.name in CONSTANTS) return CONSTANTS[node.name]!;
      throw new FormulaError(`unknown name "${node.name}" (properties are read with prop("${node.name}"))`);
    case 'ternary':
      return bool(evaluate(node.c, env), 'the condition of ? :') ? evaluate(node.a, env) : evaluate(node.b, env);
    case 'unary': {
      const v = evaluate(node.e, env);
      if (node.op === 'not') return !bool(v, 'not');
      const n = num(v, 'unary minus');
      return n === null ? new Empty('number') : -n;
    }
    case 'binary':
      return binary(node.op, node.l, node.r, env);
    case 'call':
      return call(node.name, node.args, env);
  }
}

function binary(op: string, l: Node, r: Node, env: FormulaEnv): Value {
  if (op === 'and') return bool(evaluate(l, env), 'and') && bool(evaluate(r, env), 'and');
  if (op === 'or') return bool(evaluate(l, env), 'or') || bool(evaluate(r, env), 'or');
  const a = evaluate(l, env);
  const b = evaluate(r, env);
  switch (op) {
    case '+':
      return plus(a, b);
    case '==':
      return equal(a, b);
    case '!=':
      return !equal(a, b);
    case '>':
    case '>=':
    case '<':
    case '<=': {
      const c = compare(a, b, op);
      if (c === null) return false;
      return op === '>' ? c > 0 : op === '>=' ? c >= 0 : op === '<' ? c < 0 : c <= 0;
    }
  }
  const x = num(a, `"${op}"`);
  const y = num(b, `"${op}"`);
  if (x === null || y === null) return new Empty('number');
  switch (op) {
    case '-':
      return x - y;
    case '*':
      return x * y;
    case '/':
      return x / y;
    case '%':
      return x % y;
    case '^':
      return x ** y;
  }
  throw new FormulaError(`unknown operator ${op}`);
}

function call(name: string, args: Node[], env: FormulaEnv): Value {
  switch (name) {
    case 'prop': {
      if (args.length !== 1 || args[0]!.k !== 'str') throw new FormulaError('prop() takes one property name in quotes');
      return env.prop(args[0].v);
    }
    case 'if': {
      if (args.length !== 3) throw new FormulaError(`if() takes 3 arguments, got ${args.length}`);
      return bool(evaluate(args[0]!, env), 'if') ? evaluate(args[1]!, env) : evaluate(args[2]!, env);
    }
    case 'ifs': {
      // ifs(c1, v1, c2, v2, …, otherwise)
      if (args.length < 3 || args.length % 2 === 0) throw new FormulaError('ifs() takes condition/value pairs and a final value');
      for (let i = 0; i + 1 < args.length; i += 2) if (bool(evaluate(args[i]!, env), 'ifs')) return evaluate(args[i + 1]!, env);
      return evaluate(args[args.length - 1]!, env);
    }
    case 'and':
      if (args.length < 2) throw new FormulaError('and() takes at least 2 arguments');
      return args.every((a) => bool(evaluate(a, env), 'and'));
    case 'or':
      if (args.length < 2) throw new FormulaError('or() takes at least 2 arguments');
      return args.some((a) => bool(evaluate(a, env), 'or'));
  }
  const values = args.map((a) => evaluate(a, env));
  const fn = FUNCTIONS[name] ?? dateFunctions(() => env.now())[name];
  if (!fn) throw new FormulaError(`unknown function ${name}()`);
  return fn(values);
}

/**
 * A precedence-climbing parser for formula expressions. Lowest to highest binding:
 * `c ? a : b`, `or`/`||`, `and`/`&&`, `not`/`!`, comparisons, `+ -`, `* / %`, `^` (right
 * associative), unary minus, then calls `f(x)` and method calls `x.f(y)` (sugar for `f(x, y)`).
 */
import { tokenize, type Token } from './tokenizer.ts';
import { FormulaError } from './values.ts';

export type Node =
  | { k: 'num'; v: number }
  | { k: 'str'; v: string }
  | { k: 'name'; name: string }
  | { k: 'list'; items: Node[] }
  | { k: 'call'; name: string; args: Node[] }
  | { k: 'unary'; op: '-' | 'not'; e: Node }
  | { k: 'binary'; op: string; l: Node; r: Node }
  | { k: 'ternary'; c: Node; a: Node; b: Node };

const COMPARISONS = new Set(['==', '!=', '>', '>=', '<', '<=']);

export function parse(src: string): Node {
  const p = new Parser(tokenize(src));
  const node = p.ternary();
  p.expectEnd();
  return node;
}

class Parser {
  private i = 0;
  constructor(private readonly tokens: Token[]) {}

  private peek(): Token {
    return this.tokens[this.i]!;
  }
  private isOp(v: string): boolean {
    const t = this.peek();
    return t.kind === 'op' && t.value === v;
  }
  private isWord(v: string): boolean {
    const t = this.peek();
    return t.kind === 'name' && t.value === v;
  }
  private eat(v: string): void {
    if (!this.isOp(v)) throw this.unexpected(`"${v}"`);
    this.i++;
  }
  private unexpected(wanted: string): FormulaError {
    const t = this.peek();
    const got = t.kind === 'end' ? 'the end' : JSON.stringify(t.value);
    return new FormulaError(`expected ${wanted} at ${t.at}, found ${got}`);
  }
  expectEnd(): void {
    if (this.peek().kind !== 'end') throw this.unexpected('the end of the formula');
  }

  ternary(): Node {
    const c = this.or();
    if (!this.isOp('?')) return c;
    this.i++;
    const a = this.ternary();
    this.eat(':');
    return { k: 'ternary', c, a, b: this.ternary() };
  }

  private or(): Node {
    let l = this.and();
    while (this.isWord('or') || this.isOp('||')) {
      this.i++;
      l = { k: 'binary', op: 'or', l, r: this.and() };
    }
    return l;
  }

  private and(): Node {
    let l = this.not();
    while (this.isWord('and') || this.isOp('&&')) {
      this.i++;
      l = { k: 'binary', op: 'and', l, r: this.not() };
    }
    return l;
  }

  private not(): Node {
    // `not(x)` is also a function call; both read the same.
    if ((this.isWord('not') && !this.nextIsOp('(')) || this.isOp('!')) {
      this.i++;
      return { k: 'unary', op: 'not', e: this.not() };
    }
    return this.comparison();
  }

  private nextIsOp(v: string): boolean {
    const t = this.tokens[this.i + 1];
    return t?.kind === 'op' && t.value === v;
  }

  private comparison(): Node {
    let l = this.additive();
    for (let t = this.peek(); t.kind === 'op' && COMPARISONS.has(t.value); t = this.peek()) {
      this.i++;
      l = { k: 'binary', op: t.value, l, r: this.additive() };
    }
    return l;
  }

  private additive(): Node {
    let l = this.multiplicative();
    while (this.isOp('+') || this.isOp('-')) {
      const op = (this.peek() as { value: string }).value;
      this.i++;
      l = { k: 'binary', op, l, r: this.multiplicative() };
    }
    return l;
  }

  private multiplicative(): Node {
    let l = this.power();
    while (this.isOp('*') || this.isOp('/') || this.isOp('%')) {
      const op = (this.peek() as { value: string }).value;
      this.i++;
      l = { k: 'binary', op, l, r: this.power() };
    }
    return l;
  }

  private power(): Node {
    const base = this.unary();
    if (!this.isOp('^')) return base;
    this.i++;
    return { k: 'binary', op: '^', l: base, r: this.power() };
  }

  private unary(): Node {
    if (this.isOp('-')) {
      this.i++;
      return { k: 'unary', op: '-', e: this.unary() };
    }
    if (this.isOp('+')) {
      this.i++;
      return this.unary();
    }
    return this.postfix(this.primary());
  }

  private postfix(node: Node): Node {
    while (this.isOp('.')) {
      this.i++;
      const t = this.peek();
      if (t.kind !== 'name') throw this.unexpected('a function name after "."');
      this.i++;
      // `x.f` without parentheses is a call without more arguments.
      const args = this.isOp('(') ? this.args() : [];
      node = { k: 'call', name: t.value, args: [node, ...args] };
    }
    return node;
  }

  private args(): Node[] {
    this.eat('(');
    const args: Node[] = [];
    if (!this.isOp(')')) {
      for (;;) {
        args.push(this.ternary());
        if (!this.isOp(',')) break;
        this.i++;
      }
    }
    this.eat(')');
    return args;
  }

  private primary(): Node {
    const t = this.peek();
    if (t.kind === 'number') {
      this.i++;
      return { k: 'num', v: t.value };
    }
    if (t.kind === 'string') {
      this.i++;
      return { k: 'str', v: t.value };
    }
    if (t.kind === 'name') {
      this.i++;
      if (this.isOp('(')) return { k: 'call', name: t.value, args: this.args() };
      return { k: 'name', name: t.value };
    }
    if (this.isOp('(')) {
      this.i++;
      const inner = this.ternary();
      this.eat(')');
      return inner;
    }
    if (this.isOp('[')) {
      this.i++;
      const items: Node[] = [];
      if (!this.isOp(']')) {
        for (;;) {
          items.push(this.ternary());
          if (!this.isOp(',')) break;
          this.i++;
        }
      }
      this.eat(']');
      return { k: 'list', items };
    }
    throw this.unexpected('a value');
  }
}

/**
 * Tokens of Notion's formula language (the 2.0 syntax people type): numbers, "strings", names,
 * operators (`+ - * / % ^`, comparisons, `and`/`or`/`not` and their symbol forms, `? :`), parentheses,
 * commas, `[` `]` list literals and `.` for method calls such as `prop("Name").length()`.
 */
import { FormulaError } from './values.ts';

export type Token =
  | { kind: 'number'; value: number; at: number }
  | { kind: 'string'; value: string; at: number }
  | { kind: 'name'; value: string; at: number }
  | { kind: 'op'; value: string; at: number }
  | { kind: 'end'; at: number };

// Longest first, so ">=" is not read as ">" then "=".
const OPERATORS = ['==', '!=', '>=', '<=', '&&', '||', '+', '-', '*', '/', '%', '^', '>', '<', '!', '?', ':', '(', ')', ',', '.', '[', ']'];
const ESCAPES: Record<string, string> = { n: '\n', t: '\t', '"': '"', '\\': '\\' };

export function tokenize(src: string): Token[] {
  const out: Token[] = [];
  let i = 0;
  while (i < src.length) {
    const c = src[i]!;
    if (/\s/.test(c)) {
      i++;
      continue;
    }
    const at = i;
    if (/[0-9]/.test(c) || (c === '.' && /[0-9]/.test(src[i + 1] ?? ''))) {
      const m = /^(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?/.exec(src.slice(i))!;
      out.push({ kind: 'number', value: Number(m[0]), at });
      i += m[0].length;
      continue;
    }
    if (c === '"') {
      let s = '';
      i++;
      for (;;) {
        if (i >= src.length) throw new FormulaError(`unterminated string starting at ${at}`);
        const ch = src[i++]!;
        if (ch === '"') break;
        if (ch === '\\') {
          const next = src[i++] ?? '';
          s += ESCAPES[next] ?? next;
        } else s += ch;
      }
      out.push({ kind: 'string', value: s, at });
      continue;
    }
    if (/[\p{L}_]/u.test(c)) {
      const m = /^[\p{L}_][\p{L}\p{N}_]*/u.exec(src.slice(i))!;
      out.push({ kind: 'name', value: m[0], at });
      i += m[0].length;
      continue;
    }
    const op = OPERATORS.find((o) => src.startsWith(o, i));
    if (!op) throw new FormulaError(`unexpected character ${JSON.stringify(c)} at ${at}`);
    out.push({ kind: 'op', value: op, at });
    i += op.length;
  }
  out.push({ kind: 'end', at: src.length });
  return out;
}

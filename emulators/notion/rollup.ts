/**
 * Rollup aggregation over the related pages' values of the rolled-up property (inner read values, in
 * related-page order), answering the API's rollup shapes: `{ type: "number", number, function }`,
 * `{ type: "date", date, function }`, `{ type: "array", array: [property values], function }`.
 *
 * Values count as numbers, dates and checkboxes by kind, so a formula or a rollup on the related
 * page counts like the plain property would. UNCERTAIN: `date_range` answers a date range
 * (earliest → latest), `percent_*` a fraction (0.5, not 50), and `count_per_group` /
 * `percent_per_group` (board-group functions) `unsupported`.
 */

export interface RolledValue {
  /** The rolled-up property's type on the related page. */
  type: string;
  /** Its inner read value (what sits under the type key). */
  value: any;
}

const emptyArray = (v: any) => Array.isArray(v) && v.length === 0;

function isEmpty(r: RolledValue): boolean {
  const v = r.value;
  if (v === null || v === undefined || v === '' || emptyArray(v)) return true;
  if (r.type === 'formula') return v[v.type] === null || v[v.type] === undefined;
  if (r.type === 'rollup') return v.type === 'array' ? v.array.length === 0 : v.type === 'number' ? v.number === null : v.type === 'date' ? v.date === null : true;
  if (r.type === 'unique_id') return v.number === null;
  return false;
}

function numberOf(r: RolledValue): number | null {
  const v = r.value;
  if (typeof v === 'number') return v;
  if (r.type === 'formula' && v?.type === 'number') return v.number;
  if (r.type === 'rollup' && v?.type === 'number') return v.number;
  if (r.type === 'unique_id') return v?.number ?? null;
  return null;
}

/** [start, end] instants of a date-like value, or null. */
function datesOf(r: RolledValue): { start: string; end: string | null } | null {
  const v = r.value;
  if (r.type === 'created_time' || r.type === 'last_edited_time') return { start: v, end: null };
  const d = r.type === 'formula' || r.type === 'rollup' ? (v?.type === 'date' ? v.date : null) : r.type === 'date' ? v : null;
  return d && typeof d.start === 'string' ? { start: d.start, end: d.end ?? null } : null;
}

function booleanOf(r: RolledValue): boolean | null {
  if (r.type === 'checkbox') return r.value === true;
  if (r.type === 'formula' && r.value?.type === 'boolean') return r.value.boolean;
  return null;
}

/** The items one value contributes (multi-valued kinds count each item). */
function itemsOf(r: RolledValue): any[] {
  return Array.isArray(r.value) ? r.value : isEmpty(r) ? [] : [r.value];
}

export function computeRollup(fn: string, values: RolledValue[]): Record<string, any> {
  const num = (n: number | null) => ({ type: 'number', number: n, function: fn });
  const date = (d: any) => ({ type: 'date', date: d, function: fn });
  const pct = (n: number) => (values.length === 0 ? 0 : n / values.length);
  const numbers = values.map(numberOf).filter((n): n is number => n !== null);
  const booleans = values.map(booleanOf).filter((b): b is boolean => b !== null);
  const instants = values
    .map(datesOf)
    .filter((d): d is { start: string; end: string | null } => d !== null)
    .flatMap((d) => (d.end ? [d.start, d.end] : [d.start]))
    .sort((a, b) => Date.parse(a) - Date.parse(b));
  const empties = values.filter(isEmpty).length;
  switch (fn) {
    case 'count':
      return num(values.length);
    case 'count_values':
      return num(values.reduce((n, r) => n + itemsOf(r).length, 0));
    case 'empty':
      return num(empties);
    case 'not_empty':
      return num(values.length - empties);
    case 'unique':
      return num(new Set(values.flatMap(itemsOf).map((v) => JSON.stringify(v))).size);
    case 'percent_empty':
      return num(pct(empties));
    case 'percent_not_empty':
      return num(pct(values.length - empties));
    case 'checked':
      return num(booleans.filter((b) => b).length);
    case 'unchecked':
      return num(booleans.filter((b) => !b).length);
    case 'percent_checked':
      return num(pct(booleans.filter((b) => b).length));
    case 'percent_unchecked':
      return num(pct(booleans.filter((b) => !b).length));
    case 'sum':
      return num(numbers.reduce((a, b) => a + b, 0));
    case 'average':
      return num(numbers.length ? numbers.reduce((a, b) => a + b, 0) / numbers.length : null);
    case 'median': {
      if (!numbers.length) return num(null);
      const s = [...numbers].sort((a, b) => a - b);
      const mid = s.length >> 1;
      return num(s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2);
    }
    case 'min':
      return num(numbers.length ? Math.min(...numbers) : null);
    case 'max':
      return num(numbers.length ? Math.max(...numbers) : null);
    case 'range':
      return num(numbers.length ? Math.max(...numbers) - Math.min(...numbers) : null);
    case 'earliest_date':
      return date(instants.length ? { start: instants[0], end: null, time_zone: null } : null);
    case 'latest_date':
      return date(instants.length ? { start: instants.at(-1), end: null, time_zone: null } : null);
    case 'date_range':
      return date(instants.length ? { start: instants[0], end: instants.at(-1), time_zone: null } : null);
    case 'show_original':
      return { type: 'array', array: values.map((r) => ({ type: r.type, [r.type]: r.value })), function: fn };
    case 'show_unique': {
      const seen = new Set<string>();
      const unique = values.filter((r) => {
        const k = JSON.stringify([r.type, r.value]);
        return !seen.has(k) && !!seen.add(k);
      });
      return { type: 'array', array: unique.map((r) => ({ type: r.type, [r.type]: r.value })), function: fn };
    }
  }
  return { type: 'unsupported', unsupported: {}, function: fn };
}

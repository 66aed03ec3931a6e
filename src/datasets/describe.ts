/**
 * Datasets in words, from their definitions: the way records travel (`help sync`) and the README's
 * dataset table (`npm run docs:datasets` writes it; test/datasets/readmeTable.test.ts fails when
 * README.md shows another), so neither can fall behind a definition.
 */
import type { DatasetDescriptor, FieldDef } from './types.ts';

/** How a dataset's records travel: "Notion ⇄ Postgres ⇄ Google Contacts", "Gmail → Postgres". */
export function describeSource(ds: Pick<DatasetDescriptor, 'pattern' | 'google'>): string {
  const way = { 'two-way': 'Notion ⇄ Postgres', 'one-way': 'Notion → Postgres', calendar: 'Google Calendar → Postgres', gmail: 'Gmail → Postgres' }[ds.pattern];
  return ds.google === 'people' ? `${way} ⇄ Google Contacts` : way;
}

const code = (s: string) => `\`${s}\``;
const noted = (text: string, ...notes: Array<string | false | undefined>) => {
  const said = notes.filter(Boolean);
  return said.length ? `${text} (${said.join('; ')})` : text;
};
const cell = (s: string) => s.replace(/\|/g, '\\|');

function describeField(f: FieldDef): string {
  const property = `${f.property} (${f.kind}${f.relation ? ` → ${f.relation.dataset}` : ''})`;
  const columns = f.endColumn ? `${code(f.column)} and ${code(f.endColumn)}` : code(f.column);
  return noted(`${property} → ${columns} ${f.columnType}`, f.endColumn && 'its start and end', f.note);
}

/**
 * One row per dataset: its name and table, how its records travel, and what goes where — each
 * Notion property (kind) → its column and type, or what one Google record becomes; then the
 * dataset's own columns, and what sets `deleted_at` when it is not a page moved to the trash.
 */
export function datasetsTable(datasets: DatasetDescriptor[]): string {
  const rows = datasets.map((ds) => {
    const own = (ds.extraColumns ?? []).map((c) => noted(`${code(c.column)} ${c.columnType}`, c.column === ds.key && 'the key', c.note));
    const parts = ds.fields.map(describeField);
    if (own.length) parts.push(ds.fields.length ? `Google's: ${own.join(', ')}` : `${ds.doc?.rows ?? 'each record'} → ${own.join(', ')}`);
    const mapping = parts.join('; ') + (ds.doc?.deletes ? `; ${ds.doc.deletes} → ${code('deleted_at')}` : '');
    const source = noted(describeSource(ds), ds.doc?.scope);
    return `| ${code(ds.name)} → ${code(ds.table)} | ${cell(source)} | ${cell(mapping)} |`;
  });
  return ['| dataset → table | records | what goes where: Notion property (kind) → column type, or a Google record → columns |', '|---|---|---|', ...rows].join('\n') + '\n';
}

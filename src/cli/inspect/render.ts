/** How `jarvis-sync inspect` prints an inspection: the stanza as JSON, then what it means, line by line. */
import { isNotionKind, readOnlyReason } from '../../datasets/fieldKinds.ts';
import type { Inspection } from './stanza.ts';

/** The stanza as it goes into the config file: `{ "datasets": { "<name>": … } }`, 2-space indent. */
export function stanzaJson(inspection: Inspection): string {
  return JSON.stringify({ datasets: { [inspection.name]: inspection.stanza } }, null, 2);
}

/**
 * The same JSON for reading on a terminal: each field on one line, `"name": { "property": "Name" }`,
 * as the README writes it. Only whitespace between members changes (JSON strings hold no raw
 * newlines), so it parses to the same object.
 */
export function compactStanzaJson(inspection: Inspection): string {
  return stanzaJson(inspection).replace(/\{\n(\s+"[^\n{}[\]]*"(?:,\n\s+"[^\n{}[\]]*")*)\n\s*\}/g, (_, members: string) => `{ ${members.trim().replace(/,\n\s+/g, ', ')} }`);
}

/** The stanza, then a table property → column → type (JSON has no comments), the unsupported properties and notes. */
export function renderInspection(inspection: Inspection): string[] {
  const { mapped, unsupported, stanza } = inspection;
  const total = mapped.length + unsupported.length;
  const lines = [
    `Notion database "${inspection.title}" (${stanza.databaseId}): ${total} propert${total === 1 ? 'y' : 'ies'}, ${mapped.length} mapped` +
      (unsupported.length ? `, ${unsupported.length} unsupported` : ''),
    '',
    compactStanzaJson(inspection),
  ];
  if (mapped.length) {
    const rows = mapped.map((m) => {
      // Two-way: the sync's own rule (computed kinds, people, files, jsonb columns are not written back).
      const twoWayReadOnly = stanza.direction === 'two-way' && isNotionKind(m.notionType) && readOnlyReason(m.notionType, m.columnType) !== null;
      const notes = [m.basis, twoWayReadOnly ? 'read-only: Notion → Postgres only' : m.readOnly && stanza.direction !== 'two-way' ? 'read-only' : undefined].filter(Boolean);
      return [m.property, m.notionType, m.column, m.columnType, notes.join('; ')];
    });
    lines.push('', ...table(['Property', 'Notion type', 'Column', 'Column type', 'Notes'], rows));
  }
  if (unsupported.length) {
    lines.push('', 'Unsupported (left out of the stanza):');
    for (const u of unsupported) lines.push(`  ${u.property} (${u.notionType}): ${u.reason}`);
  }
  if (inspection.notes.length) lines.push('', ...inspection.notes);
  return lines;
}

function table(header: string[], rows: string[][]): string[] {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]) => cells.map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i]!))).join('  ').trimEnd();
  return [line(header), ...rows.map(line)];
}

/**
 * Gmail message (format=metadata) → emails row, pure. Addresses are parsed out of the headers
 * (display names dropped, lower-cased) so they can be linked to contacts. The row's columns are
 * the gmail dataset's (src/datasets/gmail.ts), by their default names.
 */
import type { gmail_v1 } from '@googleapis/gmail';
import { normalizeEmail } from '../identity.ts';

/**
 * Addresses in an RFC 5322 address list: `Ada <ada@x.org>, "Hopper, Grace" <g@y.org>, bob@z.org`.
 * Commas inside quotes or angle brackets do not split; groups and comments are tolerated.
 */
export function parseAddressList(header: string | null | undefined): string[] {
  if (!header) return [];
  const parts: string[] = [];
  let current = '';
  let quoted = false;
  let angle = 0;
  for (const ch of header) {
    if (ch === '"') quoted = !quoted;
    else if (!quoted && ch === '<') angle++;
    else if (!quoted && ch === '>') angle = Math.max(0, angle - 1);
    if ((ch === ',' || ch === ';') && !quoted && angle === 0) {
      parts.push(current);
      current = '';
    } else current += ch;
  }
  parts.push(current);
  const out: string[] = [];
  for (const part of parts) {
    const bracketed = /<([^<>]+@[^<>]+)>/.exec(part)?.[1];
    const bare = bracketed ?? /[^\s"<>(),:;]+@[^\s"<>(),:;]+/.exec(part)?.[0];
    const email = normalizeEmail(bare);
    if (email && !out.includes(email)) out.push(email);
  }
  return out;
}

export function messageToRow(m: gmail_v1.Schema$Message): Record<string, unknown> {
  if (!m.id) throw new Error('message without an id');
  const header = (name: string) => m.payload?.headers?.find((h) => h.name?.toLowerCase() === name.toLowerCase())?.value ?? null;
  const internal = m.internalDate ? Number(m.internalDate) : NaN;
  const dateHeader = header('Date');
  const sent = Number.isFinite(internal) ? new Date(internal) : dateHeader ? new Date(dateHeader) : null;
  return {
    gmail_message_id: m.id,
    thread_id: m.threadId ?? null,
    from_address: parseAddressList(header('From'))[0] ?? null,
    to_addresses: parseAddressList(header('To')),
    cc_addresses: parseAddressList(header('Cc')),
    subject: header('Subject'),
    snippet: m.snippet ?? null,
    label_ids: m.labelIds ?? [],
    sent_at: sent && !Number.isNaN(sent.getTime()) ? sent.toISOString() : null,
    history_id: m.historyId ?? null,
  };
}

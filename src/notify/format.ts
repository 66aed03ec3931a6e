/**
 * One notification, four wire formats: generic JSON, Slack incoming webhooks, Discord webhooks
 * and ntfy topics. Pure functions (tested on their output); limits of each service are respected
 * by truncation, never by failing.
 */

export type NotifyFormat = 'json' | 'slack' | 'discord' | 'ntfy';

export interface Notification {
  /** One line: what failed ("jarvis-sync: Notion rejected the token"). */
  title: string;
  /** What failed, how often, since when, and the last error message. */
  text: string;
  /** critical: permanent problem; warning: a transient one that keeps repeating; info: resolved. */
  severity: 'critical' | 'warning' | 'info';
  /** The dataset(s) affected, comma-separated; null for a provider-wide problem seen outside a dataset. */
  dataset: string | null;
  /** The problem key: notion:rate_limited, google:auth, postgres:connection, valve:books… */
  kind: string;
  /** Consecutive failing runs so far. */
  count: number;
  first_seen: string;
  last_seen: string;
  /** What to do about it. */
  action: string;
  /** true for the message that says a notified problem is over. */
  resolved: boolean;
}

export interface RenderedRequest {
  headers: Record<string, string>;
  body: string;
}

export function render(format: NotifyFormat, n: Notification): RenderedRequest {
  switch (format) {
    case 'json':
      return { headers: { 'content-type': 'application/json' }, body: JSON.stringify(toJson(n)) };
    case 'slack':
      return { headers: { 'content-type': 'application/json' }, body: JSON.stringify(toSlack(n)) };
    case 'discord':
      return { headers: { 'content-type': 'application/json' }, body: JSON.stringify(toDiscord(n)) };
    case 'ntfy':
      return toNtfy(n);
  }
}

/** The generic shape: flat, snake_case, stable. */
export function toJson(n: Notification) {
  return {
    title: n.title,
    text: n.text,
    severity: n.severity,
    dataset: n.dataset,
    kind: n.kind,
    count: n.count,
    first_seen: n.first_seen,
    last_seen: n.last_seen,
    action: n.action,
    resolved: n.resolved,
  };
}

const EMOJI = { critical: ':rotating_light:', warning: ':warning:', info: ':white_check_mark:' } as const;

/** Slack: `text` is the fallback (push notifications); blocks carry the layout. Header ≤150, section ≤3000 characters. */
export function toSlack(n: Notification) {
  const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
  const facts = [`*kind* \`${n.kind}\``, n.dataset ? `*dataset* ${esc(n.dataset)}` : null, `*count* ${n.count}`, `*first seen* ${n.first_seen}`, `*last seen* ${n.last_seen}`]
    .filter(Boolean)
    .join('  ·  ');
  return {
    text: truncate(`${EMOJI[n.severity]} ${esc(n.title)} — ${esc(n.text)}`, 3000),
    blocks: [
      { type: 'header', text: { type: 'plain_text', text: truncate(n.title, 150), emoji: true } },
      { type: 'section', text: { type: 'mrkdwn', text: truncate(`${EMOJI[n.severity]} ${esc(n.text)}`, 3000) } },
      { type: 'section', text: { type: 'mrkdwn', text: truncate(`*What to do:* ${esc(n.action)}`, 3000) } },
      { type: 'context', elements: [{ type: 'mrkdwn', text: truncate(facts, 3000) }] },
    ],
  };
}

const DISCORD_COLOR = { critical: 0xe01e5a, warning: 0xecb22e, info: 0x2eb67d } as const;

/** Discord: content ≤2000, embed title ≤256, description ≤4096, field value ≤1024; mentions in error text never ping. */
export function toDiscord(n: Notification) {
  return {
    content: truncate(n.title, 2000),
    embeds: [
      {
        title: truncate(n.title, 256),
        description: truncate(n.text, 4096),
        color: DISCORD_COLOR[n.severity],
        fields: [
          { name: 'What to do', value: truncate(n.action, 1024) },
          { name: 'Kind', value: truncate(`\`${n.kind}\``, 1024), inline: true },
          ...(n.dataset ? [{ name: 'Dataset', value: truncate(n.dataset, 1024), inline: true }] : []),
          { name: 'Count', value: String(n.count), inline: true },
          { name: 'First seen', value: n.first_seen, inline: true },
          { name: 'Last seen', value: n.last_seen, inline: true },
        ],
        timestamp: n.last_seen,
        footer: { text: 'jarvis-sync' },
      },
    ],
    allowed_mentions: { parse: [] as string[] },
  };
}

const NTFY_PRIORITY = { critical: 'high', warning: 'default', info: 'low' } as const;
const NTFY_TAG = { critical: 'rotating_light', warning: 'warning', info: 'white_check_mark' } as const;

/** ntfy: the message is the body; title, priority and tags are headers (non-ASCII titles RFC 2047-encoded). */
export function toNtfy(n: Notification): RenderedRequest {
  return {
    headers: {
      'content-type': 'text/plain; charset=utf-8',
      Title: headerValue(truncate(n.title, 250)),
      Priority: NTFY_PRIORITY[n.severity],
      Tags: `${NTFY_TAG[n.severity]},jarvis-sync`,
    },
    body: `${n.text}\n\nWhat to do: ${n.action}`,
  };
}

/** HTTP header values are Latin-1 only: anything else is sent as an RFC 2047 encoded word (ntfy decodes it). */
function headerValue(s: string): string {
  const oneLine = s.replace(/[\r\n]+/g, ' ');
  return /^[\x20-\x7e]*$/.test(oneLine) ? oneLine : `=?UTF-8?B?${Buffer.from(oneLine, 'utf8').toString('base64')}?=`;
}

function truncate(s: string, max: number): string {
  const chars = [...s];
  return chars.length <= max ? s : `${chars.slice(0, max - 1).join('')}…`;
}

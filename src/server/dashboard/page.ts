/**
 * The dashboard page: one static HTML document with its CSS and JavaScript inline (no build step,
 * nothing fetched from elsewhere). The sources live beside this file in `assets/` so they can be
 * read and edited as what they are; they are put together once, on first use.
 *
 * The page carries no data: it reads `/api/dashboard` and `/health` from the browser. Its
 * Content-Security-Policy allows exactly its own inline script and style (by hash) and requests to
 * this origin.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';

interface BuiltPage {
  html: string;
  headers: Record<string, string>;
}

let built: BuiltPage | null = null;

function build(): BuiltPage {
  const read = (name: string) => readFileSync(new URL(`./assets/${name}`, import.meta.url), 'utf8');
  const css = read('dashboard.css');
  const js = read('dashboard.js');
  const template = read('dashboard.html');
  if (!template.includes('/*__STYLE__*/') || !template.includes('/*__SCRIPT__*/')) {
    throw new Error('dashboard.html lost its /*__STYLE__*/ or /*__SCRIPT__*/ placeholder');
  }
  // Replacer functions, so `$&` and friends in the sources are never read as patterns.
  const html = template.replace('/*__STYLE__*/', () => css).replace('/*__SCRIPT__*/', () => js);
  const sha256 = (s: string) => `'sha256-${createHash('sha256').update(s, 'utf8').digest('base64')}'`;
  const csp = [
    "default-src 'none'",
    `script-src ${sha256(js)}`,
    `style-src ${sha256(css)}`,
    "connect-src 'self'",
    "img-src 'self' data:",
    "base-uri 'none'",
    "form-action 'none'",
    "frame-ancestors 'none'",
  ].join('; ');
  return {
    html,
    headers: {
      'Content-Security-Policy': csp,
      'X-Content-Type-Options': 'nosniff',
      'Referrer-Policy': 'no-referrer',
      'Cache-Control': 'no-cache',
    },
  };
}

/** The dashboard's HTML document. */
export function dashboardPage(): string {
  built ??= build();
  return built.html;
}

/** Headers to send with the page: its Content-Security-Policy and friends. */
export function dashboardPageHeaders(): Record<string, string> {
  built ??= build();
  return { ...built.headers };
}

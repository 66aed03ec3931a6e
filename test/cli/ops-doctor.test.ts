/**
 * `jarvis-sync doctor` in process, against the Notion emulator, a stub of Google's token endpoint
 * and APIs, and PGlite in a temporary folder: every check says ✓ or ✗ with what to fix, and the
 * exit code is 0 only when nothing failed.
 */
import { createServer, type Server } from 'node:http';
import { mkdtempSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createNotionEmulator } from '../../emulators/notion/index.ts';
import { sampleNotionWorkspace } from '../../emulators/samples/notionWorkspace.ts';
import { doctorCommand } from '../../src/cli/commands/doctor.ts';
import { loadMigrations, migrate, openStore } from '../../src/store/index.ts';

const TOKEN = 'secret_doctor_0123456789abcdefghij';

/** Google as doctor sees it: the token endpoint and one cheap call per API (People disabled). */
function googleStub() {
  const seen: string[] = [];
  const server: Server = createServer((req, res) => {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      const url = new URL(req.url!, 'http://x');
      seen.push(`${req.method} ${url.pathname}`);
      const json = (status: number, data: unknown) => res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(data));
      if (url.pathname === '/token') {
        const form = new URLSearchParams(body);
        return form.get('refresh_token') === '1//good-refresh-token'
          ? json(200, { access_token: 'ya29.doctor-access-token', expires_in: 3599, token_type: 'Bearer' })
          : json(400, { error: 'invalid_grant', error_description: 'Token has been expired or revoked.' });
      }
      if (req.headers.authorization !== 'Bearer ya29.doctor-access-token') return json(401, { error: { code: 401, message: 'Invalid Credentials', errors: [{ reason: 'authError' }] } });
      if (url.pathname === '/calendar/v3/calendars/primary/events') return json(200, { items: [], nextSyncToken: 'sync-1' });
      if (url.pathname === '/gmail/v1/users/me/profile') return json(200, { emailAddress: 'me@example.com', historyId: '42' });
      if (url.pathname === '/v1/people/me/connections') {
        return json(403, {
          error: {
            code: 403,
            message: 'People API has not been used in project 1234 before or it is disabled.',
            status: 'PERMISSION_DENIED',
            details: [{ '@type': 'type.googleapis.com/google.rpc.ErrorInfo', reason: 'SERVICE_DISABLED', domain: 'googleapis.com' }],
          },
        });
      }
      json(404, { error: { code: 404, message: 'not found' } });
    });
  });
  return { server, seen };
}

describe('jarvis-sync doctor', () => {
  const { seed, ids } = sampleNotionWorkspace({ books: 3, highlightsPerBook: 1, firstBookHighlights: 1 });
  const emulator = createNotionEmulator({ seed, tokens: [TOKEN] });
  const google = googleStub();
  let notionUrl: string;
  let googleUrl: string;
  let brokenBooks: string;
  beforeAll(async () => {
    notionUrl = await emulator.listen(0, '127.0.0.1');
    await new Promise<void>((resolve) => google.server.listen(0, '127.0.0.1', resolve));
    googleUrl = `http://127.0.0.1:${(google.server.address() as AddressInfo).port}`;
    // A books database whose owner renamed "Author" and made "Rating" text.
    brokenBooks = emulator.createDatabase({
      title: 'Old books',
      properties: {
        Title: { type: 'title' },
        Writer: { type: 'rich_text' },
        Status: { type: 'select', select: { options: [] } },
        Rating: { type: 'rich_text' },
        Finished: { type: 'date' },
        URL: { type: 'url' },
        Tags: { type: 'multi_select', multi_select: { options: [] } },
      },
      pages: [],
    } as any).databaseId;
  });
  afterAll(async () => {
    await emulator.close();
    await new Promise<void>((resolve) => google.server.close(() => resolve()));
  });

  const baseEnv = () => ({
    NOTION_TOKEN: TOKEN,
    NOTION_BASE_URL: notionUrl,
    NOTION_BOOKS_DATABASE_ID: ids.booksDatabase,
    NOTION_HIGHLIGHTS_DATABASE_ID: ids.highlightsDatabase.replaceAll('-', ''),
    NOTION_REQUESTS_PER_SECOND: '50',
    JARVIS_DATA_DIR: mkdtempSync(join(tmpdir(), 'jarvis-doctor-')),
  });

  async function doctor(env: Record<string, string>) {
    const lines: string[] = [];
    const code = await doctorCommand({ command: 'doctor', positionals: [], flags: {} }, (s) => lines.push(s), { env, cwd: mkdtempSync(join(tmpdir(), 'jarvis-doctor-cwd-')), timeoutMs: 5000 });
    return { code, lines, text: lines.join('\n') };
  }

  it('everything configured and working: ✓ lines and exit 0', async () => {
    const env = baseEnv();
    const store = await openStore({ dataDir: join(env.JARVIS_DATA_DIR, 'pgdata') });
    await migrate(store);
    await store.close();
    const r = await doctor(env);
    expect(r.text).toContain('✓ config: valid (environment only; no config file)');
    expect(r.text).toMatch(new RegExp(`✓ database: embedded PGlite in .*pgdata \\(PostgreSQL \\d+(\\.\\d+)?\\), ${(await loadMigrations()).length} migrations applied`));
    expect(r.text).toContain('✓ Notion: the token works: integration "jarvis-sync (emulated integration)" in workspace "Emulated workspace"');
    expect(r.text).toContain('✓ books: "Books" is visible and has all 7 mapped properties');
    expect(r.text).toContain('✓ highlights: "Highlights" is visible and has all 5 mapped properties');
    expect(r.text).toMatch(/· not configured: contacts, meetings, tasks, reflections, journals \(set NOTION_CONTACTS_DATABASE_ID, /);
    expect(r.text).toContain('· Google: not configured');
    expect(r.text).toContain('✓ server: listens on 127.0.0.1:8787 (loopback only; set SYNC_API_TOKEN to serve other machines)');
    expect(r.text).toMatch(/✓ schedule: all "\*\/15 \* \* \* \*" \(next \d{4}-.*\), full "0 3 \* \* \*"/);
    expect(r.text).toContain('· notifications: none');
    expect(r.lines.at(-1)).toBe('All checks passed.');
    expect(r.code).toBe(0);
  });

  it('says what to fix: a wrong token, a database that does not match the mapping, pending migrations, an exposed server', async () => {
    const env = baseEnv();
    const store = await openStore({ dataDir: join(env.JARVIS_DATA_DIR, 'pgdata') });
    await migrate(store, { migrations: (await loadMigrations()).slice(0, 1) });
    await store.close();

    const wrong = await doctor({ ...env, NOTION_TOKEN: 'secret_not_the_right_one_000000000000', HOST: '0.0.0.0' });
    expect(wrong.code).toBe(1);
    const pending = (await loadMigrations()).slice(1).map((m) => m.file);
    expect(wrong.text).toContain(`is reachable, but ${pending.length} migration(s) are not applied: ${pending.join(', ')}\n    → run \`jarvis-sync migrate\``);
    expect(wrong.text).toMatch(/✗ database: /);
    expect(wrong.text).toMatch(/✗ Notion: Notion .*failed \(401 unauthorized\).*check NOTION_TOKEN/);
    expect(wrong.text).not.toContain('secret_not_the_right_one');
    expect(wrong.text).not.toMatch(/^[✓✗] books:/m); // Notion databases are not checked with a token that does not work
    expect(wrong.text).toMatch(/✗ server: HOST=0\.0\.0\.0 is not a loopback address and SYNC_API_TOKEN is not set.*\n    → set SYNC_API_TOKEN/);
    expect(wrong.lines.at(-1)).toBe('3 problems found.');

    const mismatch = await doctor({ ...env, NOTION_BOOKS_DATABASE_ID: brokenBooks, HOST: '0.0.0.0', SYNC_API_TOKEN: 'x'.repeat(40) });
    // The words of a run's discovery check (datasets/mappingCheck.ts): what is wrong, and what to change.
    expect(mismatch.text).toContain(
      '✗ books: "Old books": property "Author" (column author) is not in the Notion database: add it in Notion, or map the field to another property (datasets.books.properties.author); ' +
        'property "Rating" (column rating) is rich_text, expected number: change it to number in Notion, or map the field to a property of type number (datasets.books.properties.rating)',
    );
    expect(mismatch.text).toContain('    → rename the properties in Notion, or map yours in the config file (datasets.books.properties)');
    expect(mismatch.text).toContain('✓ server: listens on 0.0.0.0:8787, protected by SYNC_API_TOKEN');

    const missing = await doctor({ ...env, NOTION_HIGHLIGHTS_DATABASE_ID: '0123456789abcdef0123456789abcdef' });
    expect(missing.text).toMatch(/✗ highlights: No Notion database or data source 01234567-89ab-cdef-0123-456789abcdef is visible to the integration/);
  });

  it('Google: the refresh token and one call per API; a disabled API and a revoked token are named with the fix', async () => {
    const env = { ...baseEnv(), GOOGLE_CLIENT_ID: 'client.apps.googleusercontent.com', GOOGLE_CLIENT_SECRET: 'GOCSPX-doctor-secret', GOOGLE_REFRESH_TOKEN: '1//good-refresh-token', GOOGLE_API_ROOT: googleUrl };
    const ok = await doctor(env);
    expect(ok.text).toContain('✓ Google: the refresh token yields an access token');
    expect(ok.text).toContain('✓ Google Calendar: calendar "primary" is readable');
    expect(ok.text).toContain('✓ Gmail: reachable with this token');
    expect(ok.text).toMatch(/✗ Google People: Google People.*\(403 SERVICE_DISABLED\).*\n    → enable the API in the Google Cloud console/);
    expect(ok.code).toBe(1);
    expect(google.seen).toEqual(['POST /token', 'GET /calendar/v3/calendars/primary/events', 'GET /gmail/v1/users/me/profile', 'GET /v1/people/me/connections']);

    const revoked = await doctor({ ...env, GOOGLE_REFRESH_TOKEN: '1//revoked-refresh-token-0000000000' });
    expect(revoked.text).toMatch(/✗ Google: Google access token refresh failed \(400 invalid_grant\).*\n    → run `jarvis-sync auth google`/);
    expect(revoked.text).not.toContain('revoked-refresh-token-0000000000');
    expect(revoked.text).not.toContain('GOCSPX-doctor-secret');
    expect(revoked.text).not.toContain('Google Calendar');
  });

  it('a configuration error is reported as a failed check (exit 1), not a crash', async () => {
    const r = await doctor({ ...baseEnv(), GOOGLE_CLIENT_ID: 'only-the-id' });
    expect(r.lines[0]).toMatch(/^✗ config: GOOGLE_CLIENT_SECRET and GOOGLE_REFRESH_TOKEN are not set/);
    expect(r.code).toBe(1);
  });

  it('nothing to sync at all is a failure', async () => {
    const r = await doctor({ JARVIS_DATA_DIR: mkdtempSync(join(tmpdir(), 'jarvis-doctor-')) });
    expect(r.text).toContain('· Notion: NOTION_TOKEN is not set');
    expect(r.text).toMatch(/✗ sources: neither Notion nor Google is configured/);
    expect(r.code).toBe(1);
  });
});

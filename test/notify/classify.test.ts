/** Problem keys and severities of the messages the connectors and the engine produce. */
import { describe, expect, it } from 'vitest';
import { classifyMessage } from '../../src/notify/classify.ts';

describe('classifyMessage', () => {
  it.each([
    ['Notion GET /v1/databases/:id failed (401 unauthorized): API token is invalid. Notion rejected the token: check NOTION_TOKEN', 'notion:auth', 'permanent'],
    ['Notion GET /v1/databases/:id failed (403 restricted_resource): … share the database with the integration', 'notion:access:books', 'permanent'],
    ['Notion POST /v1/data_sources/:id/query failed (404 object_not_found): Could not find data_source', 'notion:access:books', 'permanent'],
    ['No Notion database or data source 0123 is visible to the integration: check the id and share the database with the integration', 'notion:access:books', 'permanent'],
    ['Notion POST /v1/data_sources/:id/query failed (400 validation_error): Could not find property with name or id: Rating', 'notion:validation:books', 'permanent'],
    ['Notion POST /v1/data_sources/:id/query failed (429 rate_limited): You have been rate limited', 'notion:rate_limited', 'transient'],
    ['Notion POST /v1/data_sources/:id/query failed (503 service_unavailable): Notion is unavailable', 'notion:transient', 'transient'],
    ['Notion request failed (ECONNRESET): network error: fetch failed (read ECONNRESET)', 'notion:transient', 'transient'],
    ['Google access token refresh failed (400 invalid_grant): Token has been expired or revoked', 'google:auth', 'permanent'],
    ['Google access token refresh failed (before gmail.users.history.list) (401 invalid_client): Unauthorized', 'google:auth', 'permanent'],
    ['Google Calendar events.list failed (403 insufficientPermissions): Insufficient Permission', 'google:scope', 'permanent'],
    ['Google People connections.list failed (403 SERVICE_DISABLED): People API has not been used', 'google:api_disabled', 'permanent'],
    ['Google Gmail messages.get failed (403 userRateLimitExceeded): User-rate limit exceeded', 'google:rate_limited', 'transient'],
    ['Google Calendar events.list failed (429): Too many requests', 'google:rate_limited', 'transient'],
    ['Google Gmail history.list failed (500 backendError): Backend Error', 'google:transient', 'transient'],
    ['Safety valve triggered: Notion has 0 records, Postgres has 120. Possible API failure; nothing was changed.', 'valve:books', 'permanent'],
    ['Deletion valve triggered: this run would delete 40 of 90 records (more than 20%).', 'valve:books', 'permanent'],
    ['books: Notion data source "Books" does not match the mapping: no property "Title" (title).', 'schema:books', 'permanent'],
    ['NOTION_TOKEN is not set: create an internal integration at https://www.notion.so/my-integrations', 'config:notion_token', 'permanent'],
    ['Cannot connect to Postgres at DATABASE_URL (postgres://u@db:5432/x): connection refused; check the host and port.', 'postgres:connection', 'transient'],
    ['the PGlite data directory /x/pgdata is in use by process 12; stop that process first', 'postgres:data_dir_in_use', 'permanent'],
    ['not syncing books: table books: column rating is integer, jarvis-sync needs numeric (it would lose decimals)', 'postgres:table:books', 'permanent'],
    ['TypeError: Cannot read properties of undefined', 'error:books', 'transient'],
  ])('%s → %s (%s)', (message, key, severity) => {
    const p = classifyMessage(message, 'books');
    expect([p.key, p.severity]).toEqual([key, severity]);
    expect(p.action.length).toBeGreaterThan(20);
    expect(p.detail).toBe(message);
  });
});

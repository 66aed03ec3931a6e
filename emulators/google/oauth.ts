/**
 * The OAuth 2.0 token endpoint (refresh-token grant only) and the access tokens it hands out.
 * `google-auth-library`'s OAuth2Client refreshes against it when built with
 * `endpoints: { oauth2TokenUrl: emulator.url + '/token' }`.
 */
import type { Clock } from '../../src/lib/clock.ts';
import { oauthError } from './errors.ts';
import { sha1 } from './ids.ts';

/** Always accepted as a Bearer token, with the default scopes (handy for clients built without OAuth). */
export const EMULATOR_ACCESS_TOKEN = 'emulator-access-token';
export const ACCESS_TOKEN_TTL_S = 3599;
export const DEFAULT_SCOPES = [
  'https://www.googleapis.com/auth/calendar.readonly',
  'https://www.googleapis.com/auth/gmail.readonly',
  'https://www.googleapis.com/auth/contacts',
];
export const GMAIL_METADATA_SCOPE = 'https://www.googleapis.com/auth/gmail.metadata';

export interface TokenOptions {
  refreshTokens?: string[];
  clientId?: string;
  clientSecret?: string;
  scopes?: string[];
  enforceExpiry?: boolean;
}

interface AccessToken {
  issuedAt: number;
  scopes: string[];
}

export type TokenCheck = { ok: true; scopes: string[] } | { ok: false; missing: boolean };

export class TokenIssuer {
  private readonly access = new Map<string, AccessToken>();
  private readonly revoked = new Set<string>();
  private readonly accepted: Set<string> | null;
  private readonly scopes: string[];
  private issued = 0;

  constructor(
    private readonly clock: Clock,
    private readonly opts: TokenOptions,
  ) {
    this.accepted = opts.refreshTokens ? new Set(opts.refreshTokens) : null;
    this.scopes = opts.scopes ?? DEFAULT_SCOPES;
  }

  /** POST /token with a form (or JSON) body. */
  grant(form: URLSearchParams): Record<string, unknown> {
    const grantType = form.get('grant_type');
    if (grantType !== 'refresh_token') {
      throw oauthError(400, 'unsupported_grant_type', `Invalid grant_type: ${grantType ?? ''}`);
    }
    const clientId = form.get('client_id');
    if (this.opts.clientId !== undefined && clientId !== this.opts.clientId) throw oauthError(401, 'invalid_client', 'The OAuth client was not found.');
    if (this.opts.clientSecret !== undefined && form.get('client_secret') !== this.opts.clientSecret) throw oauthError(401, 'invalid_client', 'Unauthorized');
    const refresh = form.get('refresh_token');
    if (!refresh) throw oauthError(400, 'invalid_request', 'Missing required parameter: refresh_token');
    if (this.revoked.has(refresh) || (this.accepted && !this.accepted.has(refresh))) {
      throw oauthError(400, 'invalid_grant', 'Token has been expired or revoked.');
    }
    const token = `ya29.a0Emu${sha1(`${refresh}:${++this.issued}`).toString('base64url').slice(0, 48)}`;
    this.access.set(token, { issuedAt: this.clock.now(), scopes: this.scopes });
    return { access_token: token, expires_in: ACCESS_TOKEN_TTL_S, scope: this.scopes.join(' '), token_type: 'Bearer' };
  }

  check(authorization: string | undefined): TokenCheck & { token?: string } {
    const m = /^Bearer\s+(\S+)\s*$/i.exec(authorization ?? '');
    if (!m) return { ok: false, missing: true };
    const token = m[1]!;
    if (token === EMULATOR_ACCESS_TOKEN) return { ok: true, scopes: this.scopes, token };
    const t = this.access.get(token);
    if (!t) return { ok: false, missing: false };
    if (this.opts.enforceExpiry && this.clock.now() - t.issuedAt >= ACCESS_TOKEN_TTL_S * 1000) return { ok: false, missing: false };
    return { ok: true, scopes: t.scopes, token };
  }

  revokeAccessTokens(): void {
    this.access.clear();
  }

  revokeRefreshToken(refreshToken: string): void {
    this.revoked.add(refreshToken);
  }
}

/**
 * sslmode in DATABASE_URL: libpq's meanings, plus node-postgres' own `no-verify` (encrypted, the
 * certificate not verified). Checked on what the driver itself makes of the pool config (pg's
 * ConnectionParameters), and — since the local test server has TLS off — through a TLS-terminating
 * proxy with a self-signed certificate in front of it, which is what a real connection to a server
 * with an unknown CA looks like.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import tls from 'node:tls';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openStore, poolConfig } from '../../src/store/index.ts';
import { storeBackends } from '../helpers/stores.ts';

/** The ssl setting a pg client built from poolConfig(url) actually uses. */
function driverSsl(url: string): unknown {
  const client = new pg.Client(poolConfig(url));
  return (client as unknown as { connectionParameters: { ssl: unknown } }).connectionParameters.ssl;
}

const base = 'postgresql://postgres.abcdefghijklmnop:pw@aws-0-eu-central-1.pooler.supabase.com:5432/postgres';

describe('sslmode as the driver sees it', () => {
  it('no-verify: encrypted, certificate not verified (pg-connection-string outside its libpq mode)', () => {
    const cfg = poolConfig(`${base}?sslmode=no-verify`);
    expect(new URL(cfg.connectionString!).searchParams.has('uselibpqcompat')).toBe(false);
    expect(driverSsl(`${base}?sslmode=no-verify`)).toEqual({ rejectUnauthorized: false });
  });

  it('require: libpq meaning, encrypted and not verified (not verify-full as pg 8 would have it)', () => {
    expect(driverSsl(`${base}?sslmode=require`)).toEqual({ rejectUnauthorized: false });
  });

  it('verify-full verifies; disable does not encrypt; allow gets libpq\'s first attempt, no TLS', () => {
    const verifyFull = driverSsl(`${base}?sslmode=verify-full`) as Record<string, unknown>;
    expect(verifyFull).toEqual({}); // tls defaults: rejectUnauthorized true, host name checked
    expect(driverSsl(`${base}?sslmode=disable`)).toBe(false);
    expect(driverSsl(`${base}?sslmode=allow`)).toBe(false);
  });

  it('prefer: encrypted, not verified (node-postgres never falls back to plaintext)', () => {
    expect(driverSsl(`${base}?sslmode=prefer`)).toEqual({ rejectUnauthorized: false });
  });

  it('an unknown sslmode is refused, naming the accepted ones, without the password', () => {
    expect(() => poolConfig(`${base}?sslmode=requried`)).toThrow(
      'DATABASE_URL is not a valid connection string (sslmode "requried" is not one of disable, allow, prefer, require, verify-ca, verify-full, no-verify)',
    );
  });

  it('no-verify with an explicit uselibpqcompat=true (which would silently verify) is refused with the fix', () => {
    let message = '';
    try {
      poolConfig(`${base}?sslmode=no-verify&uselibpqcompat=true`);
    } catch (e) {
      message = (e as Error).message;
    }
    expect(message).toMatch(/sslmode=no-verify .* ignored with uselibpqcompat=true; use sslmode=require/);
    expect(message).not.toContain('pw');
  });
});

/** A throwaway TLS terminator: answers Postgres' SSLRequest with 'S', then pipes the decrypted stream to `upstream`. */
async function startTlsProxy(upstream: { host: string; port: number }, key: string, cert: string) {
  const sockets = new Set<net.Socket>();
  let handshakes = 0;
  const server = net.createServer((raw) => {
    sockets.add(raw);
    raw.on('close', () => sockets.delete(raw));
    raw.on('error', () => undefined);
    raw.once('data', (first) => {
      // SSLRequest: length 8, code 80877103. Anything else is not what this proxy serves.
      if (first.length !== 8 || first.readInt32BE(4) !== 80877103) return raw.destroy();
      raw.pause();
      raw.write('S');
      const secure = new tls.TLSSocket(raw, { isServer: true, key, cert });
      secure.on('error', () => raw.destroy());
      secure.on('secure', () => {
        handshakes++;
        const up = net.connect(upstream.port, upstream.host);
        sockets.add(up);
        up.on('close', () => {
          sockets.delete(up);
          secure.destroy();
        });
        up.on('error', () => secure.destroy());
        secure.on('close', () => up.destroy());
        secure.pipe(up).pipe(secure);
      });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as net.AddressInfo).port,
    handshakes: () => handshakes,
    close: async () => {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

function hasOpenssl(): boolean {
  try {
    execFileSync('openssl', ['version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

describe.runIf(storeBackends().includes('postgres') && hasOpenssl())('a real TLS connection (self-signed certificate, unknown CA)', () => {
  let dir: string;
  let proxy: Awaited<ReturnType<typeof startTlsProxy>>;
  let certFile: string;
  const urlFor = (query: string) => {
    const url = new URL(process.env.TEST_DATABASE_URL!);
    url.hostname = '127.0.0.1';
    url.port = String(proxy.port);
    return `${url.toString()}${url.search ? '&' : '?'}${query}`;
  };

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'jarvis-tls-'));
    certFile = join(dir, 'cert.pem');
    const keyFile = join(dir, 'key.pem');
    execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '1', '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1', '-keyout', keyFile, '-out', certFile], { stdio: 'ignore' });
    const upstream = new URL(process.env.TEST_DATABASE_URL!);
    proxy = await startTlsProxy({ host: upstream.hostname, port: Number(upstream.port || 5432) }, readFileSync(keyFile, 'utf8'), readFileSync(certFile, 'utf8'));
  });
  afterAll(async () => {
    await proxy?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  async function roundTrip(query: string): Promise<number> {
    const store = await openStore({ databaseUrl: urlFor(query), maxConnections: 1 });
    try {
      const { rows } = await store.query<{ n: number }>('SELECT 41 + 1 AS n');
      return rows[0]!.n;
    } finally {
      await store.close();
    }
  }

  it('sslmode=no-verify connects, encrypted', async () => {
    const before = proxy.handshakes();
    expect(await roundTrip('sslmode=no-verify')).toBe(42);
    expect(proxy.handshakes()).toBeGreaterThan(before);
  });

  it('sslmode=require connects too (libpq: encrypted, not verified)', async () => {
    expect(await roundTrip('sslmode=require')).toBe(42);
  });

  it('sslmode=verify-full refuses the unknown CA with the fix, and connects given the CA', async () => {
    await expect(roundTrip('sslmode=verify-full')).rejects.toThrow(/self-signed certificate.*sslmode=verify-full/);
    expect(await roundTrip(`sslmode=verify-full&sslrootcert=${encodeURIComponent(certFile)}`)).toBe(42);
  });
});

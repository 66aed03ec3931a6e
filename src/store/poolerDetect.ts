/**
 * Is this connection string behind a transaction pooler (Supabase's port 6543, PgBouncer or
 * Supavisor in transaction mode)? Such a pooler lends a server connection to a client only for one
 * transaction, so two client connections can take turns on the same server process. That is the
 * proof looked for here: client A reads its backend pid, then client B — while A is still
 * connected — reads the same pid. With a direct connection or a session pooler a live session's
 * backend belongs to it alone, so that can never happen. PgBouncer hands out its most recently
 * used server connection first (server_round_robin = 0), so the round trip shows it at once; a few
 * rounds make it robust against other clients of the pool.
 *
 * jarvis-sync works through a transaction pooler (its locks are lease rows, src/store/leases.ts),
 * so the answer is advice, not a refusal: doctor and the service's start say which mode they found.
 */
import pg from 'pg';
import { poolConfig } from './postgres.ts';

export interface PoolingReport {
  /** 'transaction': server connections are shared between clients between transactions. */
  pooling: 'transaction' | 'dedicated';
  /** What was observed, for doctor's line. */
  evidence: string;
}

export async function detectTransactionPooling(databaseUrl: string, opts: { rounds?: number } = {}): Promise<PoolingReport> {
  const rounds = opts.rounds ?? 5;
  const config = poolConfig(databaseUrl, 1);
  const a = new pg.Client({ ...config, application_name: 'jarvis-sync pooler check' });
  const b = new pg.Client({ ...config, application_name: 'jarvis-sync pooler check' });
  a.on('error', () => undefined);
  b.on('error', () => undefined);
  try {
    await a.connect();
    await b.connect();
    const pid = async (c: pg.Client) => Number((await c.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows[0].pid);
    const seenByA = new Set<number>();
    for (let i = 0; i < rounds; i++) {
      const pa = await pid(a);
      seenByA.add(pa);
      const pb = await pid(b);
      if (pb === pa) {
        return { pooling: 'transaction', evidence: `two client connections ran on the same server process (pid ${pa}) one after the other` };
      }
    }
    if (seenByA.size > 1) {
      return { pooling: 'transaction', evidence: `one client connection ran on ${seenByA.size} different server processes` };
    }
    return { pooling: 'dedicated', evidence: 'each client connection keeps its own server process' };
  } finally {
    await Promise.all([a.end().catch(() => undefined), b.end().catch(() => undefined)]);
  }
}

/** The line doctor and the service's start print for a report. */
export function describePooling(r: PoolingReport): string {
  return r.pooling === 'transaction'
    ? `transaction pooler detected (${r.evidence}). jarvis-sync works through it — per-dataset locks are lease rows, not session locks — but for a long-running service the session pooler (same host, port 5432) or the direct connection keeps fewer surprises`
    : `no transaction pooling (${r.evidence})`;
}

/**
 * `npm run bench:peer`: jarvis-sync side by side with a peer, aaugustin/notion2pg (Python; a full
 * copy of one Notion database into a fresh Postgres table on every run), on the same seeded
 * workspace: one 10,000-page books database in the bundled Notion emulator, rate-limited to
 * 3 requests/second for each tool (each has its own token, so its own bucket).
 *
 * Runs, one tool after the other on the same workspace state:
 *   1. first run;  2. again, nothing edited;  3. after 10 pages were edited in Notion;
 *   4. after 10 pages were moved to the trash — jarvis-sync's incremental run, then `--full`
 *      (the run that finds trashed pages), and notion2pg's usual run.
 * Per run: Notion requests (answered, and 429s apart), wall time of the process against the time
 * the rate limit allows, and what Postgres holds afterwards (rows, the edits, the trashed pages).
 *
 * The peer is never part of this repository: at bench time its source is taken from a local git
 * mirror (PEER_MIRROR, else ../.mirror/aaugustin+notion2pg/repo next to the checkout, else
 * /work/.mirror/aaugustin+notion2pg/repo) with `git archive` into a temporary folder, its one API host
 * (https://api.notion.com) is replaced there by the emulator's loopback URL, and it runs with
 * Debian's python3-httpx and python3-psycopg (PEER_PYTHON, default /usr/bin/python3). It writes to
 * a fresh database on the local PostgreSQL (PEER_DATABASE_URL, else BENCH_DATABASE_URL, else
 * postgres://postgres@127.0.0.1:5432/postgres is used to create it); so does jarvis-sync, so both
 * use the same server. When the mirror, Python modules or PostgreSQL are missing the bench says
 * so, measures jarvis-sync alone (on PGlite if there is no PostgreSQL) and exits 0.
 *
 * Options: --records N (default 10000), --rps R (default 3), --edits N (default 10),
 * --trash N (default 10). Writes bench/results/peer.json.
 */
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import pg from 'pg';
import { createNotionEmulator } from '../emulators/notion/index.ts';
import { sampleNotionWorkspace, stableUuid } from '../emulators/samples/notionWorkspace.ts';
import { machine as describeMachine } from './common.ts';

const { values } = parseArgs({
  options: {
    records: { type: 'string', default: '10000' },
    rps: { type: 'string', default: '3' },
    edits: { type: 'string', default: '10' },
    trash: { type: 'string', default: '10' },
  },
});
const records = Number(values.records);
const rps = Number(values.rps);
const edits = Number(values.edits);
const trashCount = Number(values.trash);
if (!Number.isInteger(records) || records < 1 || !(rps > 0) || !Number.isInteger(edits) || edits < 0 || !Number.isInteger(trashCount) || trashCount < 0 || edits + trashCount > records) {
  console.error('usage: npm run bench:peer -- [--records N] [--rps R] [--edits N] [--trash N]');
  process.exit(2);
}

const ROOT = resolve(import.meta.dirname, '..');
const PEER = 'aaugustin/notion2pg';
const NOTION_API = 'https://api.notion.com';
const burst = Math.max(1, Math.round(rps));
const TOKENS = { jarvis: 'secret_peer_bench_jarvis', peer: 'secret_peer_bench_notion2pg' } as const;
const log = (s: string) => console.error(s);

// ---- the workspace, served on loopback through a counting front ----------------------------------

const { seed, ids } = sampleNotionWorkspace({ books: records, highlightsPerBook: 0, firstBookHighlights: 0 });
const emulator = createNotionEmulator({ seed, tokens: Object.values(TOKENS), rateLimit: { requestsPerSecond: rps, burst } });
const counter = { answered: 0, refused: 0, byEndpoint: {} as Record<string, number> };
const endpointOf = (method: string, path: string) =>
  `${method} ${path.replace(/\/v1\/(databases|data_sources|pages)\/[^/]+/, '/v1/$1/:id').replace(/\/properties\/[^/]+$/, '/properties/:pid')}`;
const server = createServer((req, res) => {
  const key = endpointOf(req.method ?? 'GET', new URL(req.url ?? '/', 'http://x').pathname);
  res.on('finish', () => {
    if (res.statusCode === 429) counter.refused++;
    else {
      counter.answered++;
      counter.byEndpoint[key] = (counter.byEndpoint[key] ?? 0) + 1;
    }
  });
  emulator.handle(req, res);
});
server.keepAliveTimeout = 5_000;
await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
const notionUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
const resetCounter = () => {
  counter.answered = 0;
  counter.refused = 0;
  counter.byEndpoint = {};
};

// ---- Postgres: one fresh database per tool on the same server ----------------------------------

const adminUrl = process.env.PEER_DATABASE_URL || process.env.BENCH_DATABASE_URL || 'postgres://postgres@127.0.0.1:5432/postgres';
const stamp = Date.now();
const dbNames = { jarvis: `jarvis_peer_${stamp}`, peer: `notion2pg_peer_${stamp}` };
const dbUrl = (name: string) => {
  const u = new URL(adminUrl);
  u.pathname = `/${name}`;
  return u.toString();
};
async function admin<T>(fn: (c: pg.Client) => Promise<T>, url = adminUrl): Promise<T> {
  const c = new pg.Client({ connectionString: url, connectionTimeoutMillis: 5000 });
  await c.connect();
  try {
    return await fn(c);
  } finally {
    await c.end();
  }
}
let postgres = true;
let postgresProblem = '';
try {
  await admin(async (c) => {
    await c.query(`CREATE DATABASE ${dbNames.jarvis}`);
    await c.query(`CREATE DATABASE ${dbNames.peer}`);
  });
} catch (e) {
  postgres = false;
  postgresProblem = `no PostgreSQL at ${redactUrl(adminUrl)} (${(e as Error).message}); notion2pg needs one`;
}

// ---- the peer: source from the local mirror, host replaced, Python checked ------------------------

interface PeerSetup {
  dir: string;
  script: string;
  commit: string;
  python: string;
  patched: string;
  /** The Notion-Version header it sends. */
  notionVersion: string | null;
}
const peerTmp = mkdtempSync(join(tmpdir(), 'notion2pg-'));
let peer: PeerSetup | null = null;
let peerProblem = postgresProblem;
if (!peerProblem) {
  try {
    peer = preparePeer(peerTmp);
  } catch (e) {
    peerProblem = (e as Error).message;
  }
}

function preparePeer(dir: string): PeerSetup {
  const candidates = process.env.PEER_MIRROR ? [process.env.PEER_MIRROR] : [resolve(ROOT, '../.mirror/aaugustin+notion2pg/repo'), '/work/.mirror/aaugustin+notion2pg/repo'];
  const mirror = candidates.find((p) => existsSync(p));
  if (!mirror) throw new Error(`no local mirror of ${PEER} (looked in ${candidates.join(', ')}; set PEER_MIRROR to a git directory of it)`);
  let commit: string;
  try {
    commit = execFileSync('git', ['--git-dir', mirror, 'rev-parse', 'HEAD'], { encoding: 'utf8' }).trim();
    execFileSync('sh', ['-c', 'git --git-dir "$1" archive HEAD | tar -x -C "$2"', 'sh', mirror, dir]);
  } catch (e) {
    throw new Error(`could not extract ${PEER} from ${mirror}: ${(e as Error).message.split('\n')[0]}`);
  }
  const source = join(dir, 'notion2pg.py');
  if (!existsSync(source)) throw new Error(`${PEER} at ${commit.slice(0, 7)} has no notion2pg.py`);
  const text = readFileSync(source, 'utf8');
  const hosts = text.split(NOTION_API).length - 1;
  if (hosts === 0) throw new Error(`${PEER} at ${commit.slice(0, 7)} does not name ${NOTION_API}; not run, so it cannot reach the real API`);
  const patchedText = text.split(NOTION_API).join(notionUrl);
  if (/notion\.com/.test(patchedText.replace(/www\.notion\.so|notion\.so\/my-integrations/g, ''))) {
    throw new Error(`${PEER} still names a notion.com host after the patch; not run`);
  }
  const script = join(dir, 'notion2pg_loopback.py');
  writeFileSync(script, patchedText);
  const python = process.env.PEER_PYTHON || (existsSync('/usr/bin/python3') ? '/usr/bin/python3' : 'python3');
  try {
    execFileSync(python, ['-c', 'import httpx, psycopg'], { stdio: 'pipe' });
  } catch {
    throw new Error(`${python} cannot import httpx and psycopg (Debian: apt-get install -y python3-httpx python3-psycopg; or set PEER_PYTHON)`);
  }
  const notionVersion = /"Notion-Version":\s*"([^"]+)"/.exec(text)?.[1] ?? null;
  return { dir, script, commit, python, patched: `${hosts} × ${NOTION_API} → ${notionUrl}`, notionVersion };
}

// ---- runs --------------------------------------------------------------------------------------

interface Measure {
  tool: 'jarvis-sync' | 'notion2pg';
  run: string;
  command: string;
  ok: boolean;
  requests: number;
  r429: number;
  byEndpoint: Record<string, number>;
  wallS: number;
  allowedS: number;
  /** jarvis-sync: the run's own duration (its --json duration_ms), without process start-up. */
  syncS?: number;
  detail?: string;
}
const measures: Measure[] = [];
const workDir = mkdtempSync(join(tmpdir(), 'jarvis-peer-'));
const jarvisEnv: NodeJS.ProcessEnv = {
  PATH: process.env.PATH,
  HOME: process.env.HOME,
  NOTION_TOKEN: TOKENS.jarvis,
  NOTION_BASE_URL: notionUrl,
  NOTION_BOOKS_DATABASE_ID: ids.booksDatabase,
  NOTION_REQUESTS_PER_SECOND: String(rps),
  JARVIS_DATA_DIR: workDir,
  DATABASE_URL: postgres ? dbUrl(dbNames.jarvis) : '',
  LOG_LEVEL: 'silent',
};
const allowed = (requests: number) => Math.max(0, (requests - burst) / rps);

async function timed(cmd: string, args: string[], env: NodeJS.ProcessEnv, cwd: string): Promise<{ code: number; stdout: string; stderr: string; wallS: number }> {
  const started = performance.now();
  return new Promise((resolveRun) => {
    const child = spawn(cmd, args, { env, cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('close', (code) => resolveRun({ code: code ?? 1, stdout, stderr, wallS: (performance.now() - started) / 1000 }));
    child.on('error', (e) => resolveRun({ code: 127, stdout, stderr: stderr + e.message, wallS: (performance.now() - started) / 1000 }));
  });
}

async function runJarvis(run: string, full = false): Promise<Measure> {
  resetCounter();
  const args = [join(ROOT, 'bin/jarvis-sync'), 'sync', 'books', '--json', ...(full ? ['--full'] : [])];
  const r = await timed(process.execPath, args, jarvisEnv, workDir);
  let detail = '';
  let ok = r.code === 0;
  let syncS: number | undefined;
  try {
    const books = JSON.parse(r.stdout).datasets.find((d: { dataset: string }) => d.dataset === 'books');
    detail = `${books.mode}: ${books.created} created, ${books.updated} updated, ${books.deleted} deleted, ${books.unchanged} unchanged`;
    syncS = round1(books.duration_ms / 1000);
    ok = ok && books.status === 'success';
  } catch {
    detail = `exit ${r.code}: ${(r.stderr || r.stdout).trim().split('\n').pop()}`;
  }
  const m: Measure = {
    tool: 'jarvis-sync',
    run,
    command: `jarvis-sync sync books${full ? ' --full' : ''}`,
    ok,
    requests: counter.answered,
    r429: counter.refused,
    byEndpoint: { ...counter.byEndpoint },
    wallS: round1(r.wallS),
    allowedS: round1(allowed(counter.answered)),
    syncS,
    detail,
  };
  measures.push(m);
  log(`  jarvis-sync  ${run.padEnd(22)} ${String(m.requests).padStart(4)} requests, ${m.r429} × 429, ${m.wallS} s (sync ${syncS ?? '?'} s) — ${detail}`);
  return m;
}

async function runPeer(run: string): Promise<Measure | null> {
  if (!peer) return null;
  resetCounter();
  // Loopback only: no proxy may carry its requests elsewhere.
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    NOTION_TOKEN: TOKENS.peer,
    POSTGRESQL_DSN: dbUrl(dbNames.peer),
    NO_PROXY: '127.0.0.1,localhost',
    no_proxy: '127.0.0.1,localhost',
  };
  // Its documented way to refresh a table: re-run with --drop-existing (without it a second run fails: the table exists).
  const r = await timed(peer.python, [peer.script, ids.booksDatabase.replaceAll('-', ''), 'books', '--drop-existing'], env, peer.dir);
  const wrote = /Wrote (\d+) rows/.exec(r.stderr)?.[1];
  const m: Measure = {
    tool: 'notion2pg',
    run,
    command: 'notion2pg <database id> books --drop-existing',
    ok: r.code === 0,
    requests: counter.answered,
    r429: counter.refused,
    byEndpoint: { ...counter.byEndpoint },
    wallS: round1(r.wallS),
    allowedS: round1(allowed(counter.answered)),
    detail: r.code === 0 ? `table dropped and re-created, ${wrote ?? '?'} rows written` : `exit ${r.code}: ${r.stderr.trim().split('\n').pop()}`,
  };
  measures.push(m);
  log(`  notion2pg    ${run.padEnd(22)} ${String(m.requests).padStart(4)} requests, ${m.r429} × 429, ${m.wallS} s — ${m.detail}`);
  return m;
}

// ---- what each Postgres holds ---------------------------------------------------------------------

type Snapshot = Map<string, { title: string | null; rating: number | null }>;
async function jarvisRows(): Promise<{ active: Snapshot; deleted: Set<string> }> {
  const text = `SELECT notion_page_id AS id, title, rating, deleted_at IS NOT NULL AS deleted FROM books`;
  const rows = postgres
    ? await admin(async (c) => (await c.query(text)).rows, dbUrl(dbNames.jarvis))
    : await pgliteRows(text);
  const active: Snapshot = new Map();
  const deleted = new Set<string>();
  for (const r of rows) {
    if (r.deleted) deleted.add(r.id);
    else active.set(r.id, { title: r.title, rating: r.rating === null ? null : Number(r.rating) });
  }
  return { active, deleted };
}
async function pgliteRows(text: string): Promise<any[]> {
  const { openStore } = await import('../src/store/index.ts');
  const store = await openStore({ dataDir: join(workDir, 'pgdata') });
  try {
    return (await store.query(text)).rows;
  } finally {
    await store.close();
  }
}
async function peerRows(): Promise<Snapshot | null> {
  if (!peer) return null;
  try {
    return await admin(async (c) => {
      const { rows } = await c.query(`SELECT id::text AS id, title, rating FROM books`);
      return new Map(rows.map((r) => [r.id, { title: r.title, rating: r.rating === null ? null : Number(r.rating) }]));
    }, dbUrl(dbNames.peer));
  } catch {
    return null;
  }
}
/** Postgres agrees with Notion: every live page present with its title and rating, nothing else. */
function agrees(snapshot: Snapshot | null): boolean | null {
  if (!snapshot) return null;
  const pages = emulator.listPages(ids.booksDataSource);
  if (snapshot.size !== pages.length) return false;
  return pages.every((p) => {
    const row = snapshot.get(p.id);
    const title = (p.properties.Title!.title as Array<{ plain_text: string }>).map((t) => t.plain_text).join('');
    return row !== undefined && row.title === title && row.rating === (p.properties.Rating!.number ?? null);
  });
}

// ---- the scenario ---------------------------------------------------------------------------------

const pageIds = Array.from({ length: records }, (_, i) => stableUuid(`book:${i}`));
// Edited and trashed pages are spread over the database, never the same page twice.
const spread = (n: number, offset: number) => Array.from({ length: n }, (_, i) => pageIds[(offset + i * Math.floor(records / Math.max(1, n))) % records]!);
const edited = spread(edits, 1);
const trashed = spread(trashCount, 3).filter((id) => !edited.includes(id));

interface Step {
  run: string;
  jarvis: Measure[];
  peer: Measure | null;
  jarvisAgrees: boolean | null;
  peerAgrees: boolean | null;
}
const steps: Step[] = [];
const trashOutcome: Record<string, string> = {};
let failure: Error | null = null;

try {
  log(`notion2pg vs jarvis-sync: ${records} pages, ${rps} req/s each (burst ${burst}), PostgreSQL ${postgres ? redactUrl(adminUrl) : 'unavailable: jarvis-sync on PGlite'}`);
  if (peer) log(`  peer: ${PEER} @ ${peer.commit.slice(0, 12)} in ${peer.dir}, ${peer.patched}, ${peer.python}`);
  else log(`  peer not run: ${peerProblem}`);

  const step = async (run: string, jarvisRuns: Array<[string, boolean]>) => {
    const jarvis: Measure[] = [];
    for (const [label, full] of jarvisRuns) jarvis.push(await runJarvis(label, full));
    const p = await runPeer(run);
    const j = await jarvisRows();
    const pr = await peerRows();
    steps.push({ run, jarvis, peer: p, jarvisAgrees: agrees(j.active), peerAgrees: agrees(pr) });
    return { j, pr };
  };

  await step('first run', [['first run', false]]);
  await step('after 0 edits', [['after 0 edits', false]]);
  // A rating that always differs from the old one (1..5, empty → 1).
  for (const id of edited) emulator.updatePage(id, { Rating: { number: ((Number(emulator.getPage(id)!.properties.Rating!.number ?? 0)) % 5) + 1 } });
  await step(`after ${edits} edits`, [[`after ${edits} edits`, false]]);
  for (const id of trashed) emulator.trashPage(id);
  const label = `after ${trashed.length} trashed`;
  const incremental = await runJarvis(label, false);
  const afterIncremental = await jarvisRows();
  const seenByIncremental = trashed.filter((id) => afterIncremental.deleted.has(id)).length;
  const after = await step(label, [[label, true]]);
  steps[steps.length - 1]!.jarvis.unshift(incremental);
  const jarvisDeleted = trashed.filter((id) => after.j.deleted.has(id)).length;
  trashOutcome['jarvis-sync'] = `${jarvisDeleted}/${trashed.length} kept and marked deleted (deleted_at) by the --full run; the incremental run before it marked ${seenByIncremental} (Notion's query does not return trashed pages)`;
  if (after.pr) {
    const gone = trashed.filter((id) => !after.pr!.has(id)).length;
    trashOutcome.notion2pg = `${gone}/${trashed.length} rows gone (the table is re-created from what the query returns)`;
  }
} catch (e) {
  failure = e as Error;
} finally {
  await new Promise<void>((r) => server.close(() => r()));
  server.closeAllConnections();
  rmSync(peerTmp, { recursive: true, force: true });
  rmSync(workDir, { recursive: true, force: true });
  if (postgres) {
    await admin(async (c) => {
      await c.query(`DROP DATABASE IF EXISTS ${dbNames.jarvis} WITH (FORCE)`);
      await c.query(`DROP DATABASE IF EXISTS ${dbNames.peer} WITH (FORCE)`);
    }).catch((e) => log(`could not drop the bench databases: ${(e as Error).message}`));
  }
}
if (failure) {
  console.error(failure);
  process.exit(1);
}

// ---- report ------------------------------------------------------------------------------------

const machine = describeMachine();
const fmt = (m: Measure | null | undefined) => (m ? `${m.requests}${m.r429 ? ` (+${m.r429} × 429)` : ''}` : '—');
console.log(`\nnotion2pg vs jarvis-sync — one ${records}-page Notion database, ${rps} req/s each — ${machine}${postgres ? ', PostgreSQL' : ', PGlite (no PostgreSQL)'}\n`);
console.table(
  steps.flatMap((s) =>
    s.jarvis.map((j, i) => ({
      run: s.jarvis.length > 1 ? `${s.run}${i ? ' (jarvis --full)' : ' (jarvis incremental)'}` : s.run,
      'jarvis-sync requests': fmt(j),
      'jarvis-sync wall s [sync s] (rate limit allows)': `${j.wallS} [${j.syncS ?? '?'}] (${j.allowedS})`,
      'notion2pg requests': i === 0 ? fmt(s.peer) : '',
      'notion2pg wall s (rate limit allows)': i === 0 && s.peer ? `${s.peer.wallS} (${s.peer.allowedS})` : '',
      'Postgres = Notion (jarvis / notion2pg)': i === s.jarvis.length - 1 ? `${yesNo(s.jarvisAgrees)} / ${yesNo(s.peerAgrees)}` : '',
    })),
  ),
);
console.log(`Trashed pages in Postgres — jarvis-sync: ${trashOutcome['jarvis-sync'] ?? '—'}; notion2pg: ${trashOutcome.notion2pg ?? `not run (${peerProblem})`}`);
if (!peer) console.log(`\nnotion2pg was not run: ${peerProblem}`);

mkdirSync(join(import.meta.dirname, 'results'), { recursive: true });
const file = join(import.meta.dirname, 'results', 'peer.json');
writeFileSync(
  file,
  JSON.stringify(
    {
      date: new Date().toISOString(),
      machine,
      records,
      rps,
      burst,
      edits,
      trashed: trashed.length,
      backend: postgres ? 'postgres' : 'pglite',
      peer: peer ? { repo: PEER, commit: peer.commit, patched: peer.patched.replace(notionUrl, '<emulator>'), python: peer.python, notionVersion: peer.notionVersion } : { repo: PEER, notRun: peerProblem },
      steps,
      trash: trashOutcome,
    },
    null,
    2,
  ) + '\n',
);
console.log(`\nwritten to ${file}`);
const broken = measures.filter((m) => !m.ok);
if (broken.some((m) => m.tool === 'jarvis-sync')) process.exitCode = 1;
for (const m of broken) console.error(`${m.tool} ${m.run} did not succeed: ${m.detail}`);

function yesNo(v: boolean | null) {
  return v === null ? '—' : v ? 'yes' : 'NO';
}
function round1(n: number) {
  return Number(n.toFixed(1));
}
function redactUrl(u: string) {
  try {
    const x = new URL(u);
    if (x.password) x.password = '***';
    return x.toString();
  } catch {
    return '(invalid URL)';
  }
}

/**
 * The Chromium the browser tests drive. In order: CHROMIUM_PATH, Debian's /usr/bin/chromium, and
 * otherwise the Linux x64 Chromium that ships inside the `@sparticuz/chromium` dev dependency (from
 * the npm registry, so `npm install` alone provides it; a test tool's own browser download does not
 * work on these machines). The packaged binary is brotli-compressed: it is unpacked once into
 * node_modules/.cache/jarvis-sync-chromium, never into the system temp dir, so tests leave nothing
 * behind there and later runs start at once.
 *
 * No Chromium at all (another platform without Debian's package) is an error that says so: a browser
 * test never passes without running.
 */
import { existsSync, mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export const CHROMIUM_CACHE_DIR = fileURLToPath(new URL('../../node_modules/.cache/jarvis-sync-chromium/', import.meta.url));

// Headless as root in a sandbox with no network: the flags node-svc machines need.
export const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

export interface ChromiumChoice {
  executablePath: string;
  source: 'CHROMIUM_PATH' | 'debian' | '@sparticuz/chromium';
}

export async function resolveChromium(env: NodeJS.ProcessEnv = process.env): Promise<ChromiumChoice> {
  if (env.CHROMIUM_PATH) {
    if (!existsSync(env.CHROMIUM_PATH)) throw new Error(`CHROMIUM_PATH is ${env.CHROMIUM_PATH}, which does not exist; unset it or point it at a Chromium binary`);
    return { executablePath: env.CHROMIUM_PATH, source: 'CHROMIUM_PATH' };
  }
  if (existsSync('/usr/bin/chromium')) return { executablePath: '/usr/bin/chromium', source: 'debian' };
  if (process.platform !== 'linux' || process.arch !== 'x64') {
    throw new Error(
      `no Chromium for the browser test on ${process.platform}/${process.arch}: /usr/bin/chromium is missing and @sparticuz/chromium ships only a Linux x64 build. ` +
        'Install Chromium and set CHROMIUM_PATH to its binary.',
    );
  }
  return { executablePath: await unpackPackagedChromium(), source: '@sparticuz/chromium' };
}

/** Unpacks @sparticuz/chromium's binary into the cache dir (it unpacks into os.tmpdir(), so that is pointed there meanwhile). */
async function unpackPackagedChromium(): Promise<string> {
  const cached = `${CHROMIUM_CACHE_DIR}chromium`;
  if (existsSync(cached)) return cached;
  mkdirSync(CHROMIUM_CACHE_DIR, { recursive: true });
  const saved = process.env.TMPDIR;
  process.env.TMPDIR = CHROMIUM_CACHE_DIR.replace(/\/$/, '');
  try {
    const { default: packaged } = await import('@sparticuz/chromium');
    return await packaged.executablePath();
  } catch (e) {
    throw new Error(`could not unpack the Chromium of @sparticuz/chromium (run \`npm install\`): ${(e as Error).message}`, { cause: e });
  } finally {
    if (saved === undefined) delete process.env.TMPDIR;
    else process.env.TMPDIR = saved;
  }
}

/**
 * `.env` support: read once, before the config, by every command. `JARVIS_ENV_FILE` names another
 * file (which must then exist). Variables already in the environment win over the file, so
 * `NOTION_TOKEN=… jarvis-sync sync` and a deployment's own environment always take precedence.
 */
import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { ConfigError } from '../config/index.ts';

export interface EnvFileResult {
  /** The file read, or null when there was none. */
  path: string | null;
}

export function loadEnvFile(opts: { env?: NodeJS.ProcessEnv; cwd?: string } = {}): EnvFileResult {
  const env = opts.env ?? process.env;
  const explicit = env.JARVIS_ENV_FILE?.trim();
  const path = resolve(opts.cwd ?? process.cwd(), explicit || '.env');
  if (!existsSync(path)) {
    if (explicit) throw new ConfigError(`JARVIS_ENV_FILE points to ${path}, which does not exist`);
    return { path: null };
  }
  if (env === process.env && typeof process.loadEnvFile === 'function') {
    // Node ≥ 20.12: keeps variables that are already set.
    process.loadEnvFile(path);
  } else {
    for (const [k, v] of Object.entries(parseEnv(readFileSync(path, 'utf8')))) if (env[k] === undefined) env[k] = v;
  }
  return { path };
}

/**
 * The dotenv syntax Node's own parser accepts, for older Node 20 releases and injected envs:
 * KEY=value, `export KEY=value`, # comments, single/double/backtick quotes (double quotes expand \n).
 */
export function parseEnv(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  const line = /^[ \t]*(?:export[ \t]+)?([\w.-]+)[ \t]*=[ \t]*("(?:\\.|[^"\\])*"|'[^']*'|`[^`]*`|[^\n#]*?)[ \t]*(?:#.*)?$/gm;
  for (const m of text.replace(/\r\n?/g, '\n').matchAll(line)) {
    let v = m[2]!;
    const q = v[0];
    if ((q === '"' || q === "'" || q === '`') && v.endsWith(q) && v.length >= 2) {
      v = v.slice(1, -1);
      if (q === '"') v = v.replace(/\\n/g, '\n').replace(/\\(["\\])/g, '$1');
    }
    out[m[1]!] = v;
  }
  return out;
}

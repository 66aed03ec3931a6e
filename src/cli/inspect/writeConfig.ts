/**
 * `inspect --write`: adds the stanza to the config file under `datasets.<name>`. Every other key
 * stays as it was (in its order); the file is rewritten as JSON with a 2-space indent, through a
 * temporary file renamed over it so that an interrupted write never leaves half a config.
 */
import { existsSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { ConfigError } from '../../config/index.ts';
import { jsonErrorLocation } from '../../config/load.ts';
import { presetDatasets } from '../../datasets/index.ts';
import type { DatasetStanza } from './stanza.ts';

export interface WriteOutcome {
  file: string;
  created: boolean;
  replaced: boolean;
}

/**
 * Adds (or with `force` replaces) `datasets.<name>`. Refusals are ConfigErrors (exit 2) saying what
 * to do. `validate` loads the would-be file as jarvis-sync will (throwing its ConfigError): a file
 * every command would then refuse is never written.
 */
export function writeStanza(file: string, name: string, stanza: DatasetStanza, opts: { force: boolean; validate?: (path: string) => void }): WriteOutcome {
  if (presetDatasets.some((d) => d.name === name)) {
    throw new ConfigError(`"${name}" is a built-in dataset: choose another name with --name (a built-in dataset's extra fields go in datasets.${name}.fields by hand)`);
  }
  const created = !existsSync(file);
  const config = created ? {} : readObject(file);
  const datasets = config.datasets ?? {};
  if (typeof datasets !== 'object' || datasets === null || Array.isArray(datasets)) throw new ConfigError(`${file}: "datasets" is not an object`);
  const replaced = name in datasets;
  if (replaced && !opts.force) {
    throw new ConfigError(`${file} already has datasets.${name}: choose another name with --name, or replace it with --force`);
  }
  const sameTable = Object.entries(datasets as Record<string, { table?: unknown }>).find(([other, d]) => other !== name && d?.table === stanza.table);
  if (sameTable) throw new ConfigError(`${file}: datasets.${sameTable[0]} already uses table "${stanza.table}": choose another name with --name`);
  config.datasets = { ...datasets, [name]: stanza };
  const tmp = `${file}.${process.pid}.tmp`;
  try {
    // The file's own permissions survive (a config kept private stays private).
    writeFileSync(tmp, JSON.stringify(config, null, 2) + '\n', { mode: created ? 0o644 : statSync(file).mode & 0o777 });
    try {
      opts.validate?.(tmp);
    } catch (e) {
      if (!(e instanceof ConfigError)) throw e;
      throw new ConfigError(`${file} is left as it was: with datasets.${name} it would be refused — ${e.message.split(tmp).join(file)}`);
    }
    renameSync(tmp, file);
  } finally {
    rmSync(tmp, { force: true });
  }
  return { file, created, replaced };
}

function readObject(file: string): Record<string, any> {
  const text = readFileSync(file, 'utf8');
  let parsed: unknown;
  try {
    parsed = text.trim() === '' ? {} : JSON.parse(text);
  } catch (e) {
    throw new ConfigError(`config file ${file}${jsonErrorLocation(text, (e as Error).message)} is not valid JSON: fix it before --write adds to it`);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new ConfigError(`config file ${file} is not a JSON object`);
  return parsed as Record<string, any>;
}

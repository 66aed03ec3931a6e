import { pino, type DestinationStream, type Logger } from 'pino';
import { prettyFactory } from 'pino-pretty';
import { coordinatedStderr } from './terminal.ts';

export type { Logger };

export type LogFormat = 'json' | 'pretty';

export interface LoggerOptions {
  level?: string;
  /** Where lines go; default stderr (shared with the progress line, see terminal.ts). */
  destination?: { write(s: string): unknown; isTTY?: boolean };
  /**
   * `pretty`: one human line per entry (time, level, message, key fields; colour on a terminal).
   * `json`: pino's JSON lines. Default: LOG_FORMAT, else pretty when the destination is a terminal.
   */
  format?: LogFormat;
  env?: Record<string, string | undefined>;
}

const REDACT = {
  paths: ['token', 'auth', 'authorization', 'password', '*.token', '*.auth', '*.authorization', '*.password', 'headers.authorization', 'databaseUrl', '*.databaseUrl'],
  censor: '[redacted]',
};

/**
 * Structured logs. Any key that could carry a secret is redacted by pino itself, so a token
 * passed by mistake in a log object never reaches the output — in either format, since the
 * pretty one formats pino's already-redacted JSON line.
 */
export function createLogger(opts: LoggerOptions = {}): Logger {
  const env = opts.env ?? process.env;
  const target = opts.destination === undefined || opts.destination === process.stderr ? { write: coordinatedStderr.write, isTTY: process.stderr.isTTY } : opts.destination;
  const format = opts.format ?? logFormatFrom(env, Boolean(target.isTTY));
  const options = { level: opts.level ?? env.LOG_LEVEL ?? 'info', redact: REDACT };
  if (format === 'json') return pino(options, target as DestinationStream);
  const prettify = prettyFactory({
    colorize: Boolean(target.isTTY) && !env.NO_COLOR,
    translateTime: 'SYS:HH:MM:ss',
    ignore: 'pid,hostname',
    singleLine: true,
  });
  return pino(options, { write: (line: string) => target.write(prettify(line)) });
}

/** LOG_FORMAT=json|pretty wins; otherwise pretty on a terminal and JSON everywhere else (files, journald, pipes). */
export function logFormatFrom(env: Record<string, string | undefined>, isTTY: boolean): LogFormat {
  const v = env.LOG_FORMAT?.trim().toLowerCase();
  if (v === 'json' || v === 'pretty') return v;
  return isTTY ? 'pretty' : 'json';
}

/** A logger that drops everything: the default in tests and library use. */
export const silentLogger: Logger = pino({ level: 'silent' });

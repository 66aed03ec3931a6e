import { pino, type Logger } from 'pino';

export type { Logger };

/**
 * Structured logs. Any key that could carry a secret is redacted by pino itself, so a token
 * passed by mistake in a log object never reaches the output.
 */
export function createLogger(opts: { level?: string; destination?: NodeJS.WritableStream } = {}): Logger {
  const options = {
    level: opts.level ?? process.env.LOG_LEVEL ?? 'info',
    redact: {
      paths: ['token', 'auth', 'authorization', 'password', '*.token', '*.auth', '*.authorization', '*.password', 'headers.authorization', 'databaseUrl', '*.databaseUrl'],
      censor: '[redacted]',
    },
  };
  return opts.destination ? pino(options, opts.destination as any) : pino(options);
}

/** A logger that drops everything: the default in tests and library use. */
export const silentLogger: Logger = pino({ level: 'silent' });

/** Log lines: human on a terminal, JSON elsewhere, never tearing the progress line, secrets redacted either way. */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createProgressDisplay } from '../../src/cli/progress.ts';
import { loadConfig } from '../../src/config/index.ts';
import { createLogger, logFormatFrom } from '../../src/lib/logger.ts';
import { wrapStderrWrites } from '../../src/lib/terminal.ts';

function sink(isTTY: boolean) {
  const lines: string[] = [];
  return { lines, dest: { isTTY, write: (s: string) => void lines.push(s) } };
}

describe('log format', () => {
  it('on a terminal: one human line with time, level, message and key fields, in colour — not JSON', () => {
    const { lines, dest } = sink(true);
    createLogger({ level: 'info', destination: dest, env: {} }).warn({ dataset: 'books', attempt: 2 }, 'Notion answered 503; retrying');
    expect(lines).toHaveLength(1);
    const plain = lines[0].replace(/\x1b\[[0-9;]*m/g, '');
    expect(lines[0]).not.toBe(plain); // coloured
    expect(plain).toMatch(/^\[\d\d:\d\d:\d\d\] WARN: Notion answered 503; retrying \{"dataset":"books","attempt":2\}\n$/);
    expect(() => JSON.parse(lines[0])).toThrow();
  });

  it('elsewhere (a pipe, a file, journald): JSON lines', () => {
    const { lines, dest } = sink(false);
    createLogger({ level: 'info', destination: dest, env: {} }).info({ dataset: 'books' }, 'synced');
    expect(JSON.parse(lines[0])).toMatchObject({ level: 30, msg: 'synced', dataset: 'books' });
  });

  it('LOG_FORMAT wins either way; NO_COLOR drops the colour', () => {
    expect(logFormatFrom({ LOG_FORMAT: 'json' }, true)).toBe('json');
    expect(logFormatFrom({ LOG_FORMAT: 'pretty' }, false)).toBe('pretty');
    const { lines, dest } = sink(true);
    createLogger({ level: 'info', destination: dest, env: { NO_COLOR: '1' } }).info('plain');
    expect(lines[0]).toMatch(/^\[\d\d:\d\d:\d\d\] INFO: plain\n$/);
  });

  it('redacts secrets in the human format too', () => {
    const { lines, dest } = sink(true);
    createLogger({ level: 'info', destination: dest, env: { NO_COLOR: '1' } }).info({ token: 'secret_abc', headers: { authorization: 'Bearer xyz' } }, 'request');
    expect(lines[0]).not.toMatch(/secret_abc|Bearer xyz/);
    expect(lines[0]).toContain('[redacted]');
  });

  it('an unknown LOG_FORMAT is a config error that says the choices', () => {
    expect(() => loadConfig({ env: { LOG_FORMAT: 'xml' }, cwd: '/nonexistent-jarvis-test-cwd' })).toThrow(/LOG_FORMAT must be json or pretty, or unset .* \(got "xml"\)/);
    expect(loadConfig({ env: { LOG_FORMAT: 'JSON' }, cwd: '/nonexistent-jarvis-test-cwd' }).logFormat).toBe('json');
  });
});

describe('log lines and the progress line', () => {
  afterEach(() => vi.restoreAllMocks());

  it('a log line written while the progress line shows clears it first and redraws it after', () => {
    const screen: string[] = [];
    vi.spyOn(process.stderr, 'write').mockImplementation(((s: string) => {
      screen.push(s);
      return true;
    }) as never);
    const display = createProgressDisplay({ stream: { isTTY: true, columns: 80, write: (s: string) => screen.push(s) }, clock: { now: () => 1_000 }, redrawMs: 0 });
    const unwrap = wrapStderrWrites((write) => display.print(write));
    try {
      display.update({ dataset: 'books', phase: 'read Notion pages', done: 10 });
      const logger = createLogger({ level: 'info', destination: process.stderr, format: 'pretty', env: { NO_COLOR: '1' } });
      logger.warn('rate limited; waiting');
    } finally {
      unwrap();
    }
    const at = screen.findIndex((s) => s.includes('rate limited'));
    expect(screen[at - 1]).toBe('\r\x1b[2K'); // the progress line cleared
    expect(screen[at]).toMatch(/WARN: rate limited; waiting\n$/);
    expect(screen[at + 1]).toMatch(/^\r\x1b\[2Kbooks · read Notion pages · 10/); // and drawn again
  });
});

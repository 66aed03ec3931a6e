/**
 * stderr shared by log lines and the CLI's in-place progress line. While a progress display is
 * active it wraps every write (clear its line, write, redraw), so a log line never lands in the
 * middle of the progress line; otherwise writes go straight through.
 */
type Around = (write: () => void) => void;
let around: Around | null = null;

/** Installs the wrapper; returns the function that removes it. */
export function wrapStderrWrites(fn: Around): () => void {
  around = fn;
  return () => {
    if (around === fn) around = null;
  };
}

export const coordinatedStderr = {
  write(s: string): boolean {
    if (around) around(() => process.stderr.write(s));
    else process.stderr.write(s);
    return true;
  },
};

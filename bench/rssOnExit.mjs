// Preloaded into a benchmarked process (node --import): writes its peak RSS and CPU time to
// BENCH_RSS_FILE as it exits, so a whole command is measured from outside without wrapping it.
import { writeFileSync } from 'node:fs';

const out = process.env.BENCH_RSS_FILE;
if (out) {
  process.on('exit', () => {
    const u = process.resourceUsage();
    writeFileSync(out, JSON.stringify({ maxRssMb: Math.round(u.maxRSS / 1024), cpuMs: Math.round((u.userCPUTime + u.systemCPUTime) / 1000) }));
  });
}

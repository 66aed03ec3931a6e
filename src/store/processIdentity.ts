/**
 * Who holds a lease, said two ways: `owner` for people ("host pid 4242"), and `process` for the
 * machine, precise enough to prove a holder dead. On Linux the process key is the boot id, the PID
 * namespace and the pid with its start time: two containers on one kernel share the boot id but
 * not the PID namespace, and a pid reused after a crash has another start time. Elsewhere there is
 * no key and a crashed holder's lease simply expires.
 */
import { readFileSync, readlinkSync } from 'node:fs';
import { hostname } from 'node:os';

export interface ProcessIdentity {
  owner: string;
  /** `linux:<boot id>:<pid namespace>:<pid>:<start time>`, or null where that cannot be read. */
  process: string | null;
}

export function currentProcessIdentity(): ProcessIdentity {
  return { owner: `${hostname()} pid ${process.pid}`, process: processKey(process.pid) };
}

function processKey(pid: number): string | null {
  if (process.platform !== 'linux') return null;
  try {
    const boot = readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim();
    const ns = readlinkSync('/proc/self/ns/pid').replace(/\D/g, '');
    const start = startTime(pid);
    return start === null ? null : `linux:${boot}:${ns}:${pid}:${start}`;
  } catch {
    return null;
  }
}

/** Field 22 of /proc/<pid>/stat (clock ticks since boot); the command name before it may hold spaces. */
function startTime(pid: number): string | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return fields[19] ?? null; // fields[0] is field 3 (state)
  } catch {
    return null;
  }
}

/**
 * True only when `key` names a process of this machine and PID namespace that is proven gone (no
 * such pid, or the pid now belongs to a process started at another time). Anything else — another
 * machine or container, an unreadable key — is not proof, and the lease must expire instead.
 */
export function isProvenDead(key: string | null): boolean {
  if (!key) return false;
  const mine = processKey(process.pid);
  if (!mine) return false;
  const [kind, boot, ns, pid, start] = key.split(':');
  const [, myBoot, myNs] = mine.split(':');
  if (kind !== 'linux' || boot !== myBoot || ns !== myNs || !/^\d+$/.test(pid ?? '')) return false;
  const now = startTime(Number(pid));
  return now === null || now !== start;
}

/** The process key of another pid on this machine (tests: a child process to kill). */
export function processKeyOf(pid: number): string | null {
  return processKey(pid);
}

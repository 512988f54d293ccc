import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';

/**
 * Where the CPU went during a measurement: the server process (from /proc/<pid>/stat), the bench's
 * own process (the load generator), and everything else on the machine (from /proc/stat). On a
 * shared machine the last one says whether a figure is the server's or a neighbour's doing.
 * All as % of one core: 200% is two cores busy. Null where /proc is absent (not Linux).
 */

/**
 * Other programs' CPU (% of one core) above which a measurement shared the machine with real work. An idle
 * machine shows a few percent; a test suite running beside the bench shows about 100.
 */
export const DISTURBED_CPU_PERCENT = 20;

export interface CpuShares {
  serverPercent: number | null;
  benchPercent: number;
  otherPercent: number | null;
  /** Per companion pid, in the order given: the bench's other processes (an upstream behind a proxy). */
  companionPercents: (number | null)[];
}

/**
 * Starts watching; the function it answers stops and reports the shares since the start. Without a
 * server (an in-process measurement) the server's share is null and "other" is all but the bench.
 * Companions are further processes of the bench (idle or not): their CPU is reported on its own and
 * is not counted as other programs'.
 */
export function watchCpu(serverPid?: number, companionPids: readonly number[] = []): () => CpuShares {
  const server = { ticks: serverPid === undefined ? 0 : processTicks(serverPid), atMs: performance.now() };
  const companions = companionPids.map(processTicks);
  const machine = machineTicks();
  const bench = process.cpuUsage();
  return () => {
    const wallSeconds = (performance.now() - server.atMs) / 1000;
    const serverNow = serverPid === undefined ? 0 : processTicks(serverPid);
    const companionShares = companionPids.map((pid, i) => {
      const before = companions[i];
      const now = processTicks(pid);
      return before === null || before === undefined || now === null ? null : percentOfCore(now - before, wallSeconds);
    });
    const machineNow = machineTicks();
    const used = process.cpuUsage(bench);
    const benchPercent = (100 * (used.user + used.system)) / 1e6 / wallSeconds;
    const serverShare = server.ticks === null || serverNow === null ? null : percentOfCore(serverNow - server.ticks, wallSeconds);
    const serverPercent = serverPid === undefined ? null : serverShare;
    const machinePercent = machine === null || machineNow === null ? null : percentOfCore(machineNow - machine, wallSeconds);
    // A companion that exited meanwhile (a database backend) has no figure: its CPU is counted as
    // other programs', which errs towards calling a measurement disturbed.
    const companionSum = companionShares.reduce<number>((sum, c) => sum + (c ?? 0), 0);
    // /proc counts in 10 ms ticks, so a quiet machine can come out a little below zero: clamp it.
    const otherPercent = machinePercent === null || serverShare === null ? null : Math.max(0, machinePercent - serverShare - companionSum - benchPercent);
    return { serverPercent, benchPercent, otherPercent, companionPercents: companionShares };
  };
}

/** Kernel clock ticks per second, the unit of /proc's CPU times. */
const CLOCK_TICKS = (() => {
  try {
    return Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
  } catch {
    return 100;
  }
})();

function percentOfCore(ticks: number, wallSeconds: number): number {
  return (100 * ticks) / CLOCK_TICKS / wallSeconds;
}

/** utime + stime of every thread of the process, in clock ticks. */
function processTicks(pid: number): number | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name (field 2) may hold spaces, so count fields from after its closing parenthesis:
    // the first field after it is field 3 (state), so utime (14) and stime (15) are at 11 and 12.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return Number(fields[11]) + Number(fields[12]);
  } catch {
    return null;
  }
}

/** Busy time of all cores, in clock ticks: the first line of /proc/stat less idle and I/O wait. */
function machineTicks(): number | null {
  try {
    const fields = readFileSync('/proc/stat', 'utf8').split('\n', 1)[0]!.trim().split(/\s+/).slice(1, 9).map(Number);
    const [user, nice, system, , , irq, softirq, steal] = fields as [number, number, number, number, number, number, number, number];
    return user + nice + system + irq + softirq + steal;
  } catch {
    return null;
  }
}

/** The pids of every process whose command name is `name` (from /proc/<pid>/comm); none off Linux. */
export function pidsNamed(name: string): number[] {
  try {
    return readdirSync('/proc')
      .filter((entry) => /^\d+$/.test(entry))
      .filter((pid) => {
        try {
          return readFileSync(`/proc/${pid}/comm`, 'utf8').trim() === name;
        } catch {
          return false;
        }
      })
      .map(Number);
  } catch {
    return [];
  }
}

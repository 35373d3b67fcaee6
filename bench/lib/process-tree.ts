/**
 * Running a command while measuring its wall time and the peak memory of its whole process tree.
 *
 * Peak memory is sampled from /proc: every `intervalMs`, the resident set sizes of the command and all its
 * descendants are summed; the largest sum is the peak. Pulumi runs several processes at once (the CLI, the
 * language host, the Node program, each provider plugin), so the sum is the figure that matters; GNU
 * `/usr/bin/time -v`, which the harness also uses when present, reports only the largest single process.
 */
import { spawn, spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";

/** What one measured run produced. */
export interface MeasuredRun {
  code: number | null;
  stdout: string;
  stderr: string;
  wallMs: number;
  /** Peak of the summed RSS of the process tree, bytes (sampled). */
  peakTreeRssBytes: number;
  /** The largest single process's max RSS from GNU time, bytes; undefined when /usr/bin/time is missing. */
  maxProcessRssBytes?: number;
  /** Number of processes seen in the tree at the peak. */
  processesAtPeak: number;
  /**
   * CPU time (user + system) of the command and the descendants it waited for, ms, from GNU time; undefined
   * when /usr/bin/time is missing. Processes the command kills without waiting for them (the engine's provider
   * plugins) are not in it: see `treeCpuMs`.
   */
  cpuMs?: number;
  /**
   * CPU time (user + system) of every process seen in the tree, ms: each one's last sample (so up to one
   * sampling interval of each process's end is missed).
   */
  treeCpuMs: number;
}

const gnuTime = "/usr/bin/time";
let gnuTimeWorks: boolean | undefined;

/** Whether GNU time with `-v` is available. */
export function hasGnuTime(): boolean {
  if (gnuTimeWorks === undefined) {
    gnuTimeWorks = false;
    if (fs.existsSync(gnuTime)) {
      try {
        const probe = spawnSync(gnuTime, ["-v", "true"], { encoding: "utf8" });
        gnuTimeWorks = probe.status === 0 && /Maximum resident set size/.test(probe.stderr);
      } catch {
        gnuTimeWorks = false;
      }
    }
  }
  return gnuTimeWorks;
}

/** The parent of every process, read from /proc. */
function parentMap(): Map<number, number> {
  const parents = new Map<number, number>();
  for (const entry of fs.readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) {
      continue;
    }
    try {
      const stat = fs.readFileSync(`/proc/${entry}/stat`, "utf8");
      // The command name is in parentheses and may contain spaces: fields start after the last ")".
      const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
      parents.set(Number(entry), Number(fields[1]));
    } catch {
      // The process ended between readdir and read.
    }
  }
  return parents;
}

const pageSize = 4096;

/** Clock ticks per second of /proc/<pid>/stat's CPU times (USER_HZ: 100 on Linux). */
const ticksPerSecond = 100;

/** The CPU time (user + system, own only) of process `pid` so far, ms; undefined once it is gone. */
function processCpuMs(pid: number): number | undefined {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, "utf8");
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    // Fields 14 and 15 of stat (utime, stime), counted from the state field (3) after the command name.
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / ticksPerSecond;
  } catch {
    return undefined;
  }
}

/**
 * The summed RSS (bytes) of `root` and its descendants, how many processes that is, and the CPU time of each
 * (ms, by pid).
 */
export function treeRss(root: number): { bytes: number; processes: number; cpuMs: Map<number, number> } {
  const parents = parentMap();
  const children = new Map<number, number[]>();
  for (const [pid, ppid] of parents) {
    const list = children.get(ppid) ?? [];
    list.push(pid);
    children.set(ppid, list);
  }
  let total = 0;
  let processes = 0;
  const cpuMs = new Map<number, number>();
  const pending = [root];
  for (let pid = pending.pop(); pid !== undefined; pid = pending.pop()) {
    try {
      const statm = fs.readFileSync(`/proc/${pid}/statm`, "utf8").split(" ");
      total += Number(statm[1]) * pageSize;
      processes++;
      const cpu = processCpuMs(pid);
      if (cpu !== undefined) {
        cpuMs.set(pid, cpu);
      }
    } catch {
      // Gone.
    }
    pending.push(...(children.get(pid) ?? []));
  }
  return { bytes: total, processes, cpuMs };
}

/** Runs `command args` in `cwd` with `env`, measuring wall time and peak memory. */
export function measure(
  command: string,
  args: string[],
  options: { cwd: string; env: NodeJS.ProcessEnv; intervalMs?: number },
): Promise<MeasuredRun> {
  const useTime = hasGnuTime();
  const timeFile = useTime
    ? path.join(os.tmpdir(), `amp-bench-time-${process.pid}-${Date.now()}-${Math.random()}.txt`)
    : "";
  const [cmd, argv] = useTime ? [gnuTime, ["-v", "-o", timeFile, command, ...args]] : [command, args];
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const child = spawn(cmd, argv, { cwd: options.cwd, env: options.env, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.setEncoding("utf8").on("data", (d: string) => (stdout += d));
    child.stderr.setEncoding("utf8").on("data", (d: string) => (stderr += d));
    let peak = 0;
    let processesAtPeak = 0;
    const cpuSeen = new Map<number, number>();
    const sample = () => {
      if (child.pid === undefined) {
        return;
      }
      const now = treeRss(child.pid);
      for (const [pid, ms] of now.cpuMs) {
        cpuSeen.set(pid, Math.max(ms, cpuSeen.get(pid) ?? 0));
      }
      if (now.bytes > peak) {
        peak = now.bytes;
        processesAtPeak = now.processes;
      }
    };
    const timer = setInterval(sample, options.intervalMs ?? 100);
    child.once("error", (err) => {
      clearInterval(timer);
      reject(err);
    });
    child.once("close", (code) => {
      const wallMs = performance.now() - started;
      clearInterval(timer);
      let maxProcessRssBytes: number | undefined;
      let cpuMs: number | undefined;
      if (useTime && fs.existsSync(timeFile)) {
        const text = fs.readFileSync(timeFile, "utf8");
        fs.rmSync(timeFile, { force: true });
        const match = /Maximum resident set size \(kbytes\): (\d+)/.exec(text);
        if (match) {
          maxProcessRssBytes = Number(match[1]) * 1024;
        }
        const user = /User time \(seconds\): ([\d.]+)/.exec(text);
        const system = /System time \(seconds\): ([\d.]+)/.exec(text);
        if (user && system) {
          cpuMs = (Number(user[1]) + Number(system[1])) * 1000;
        }
      }
      const treeCpuMs = [...cpuSeen.values()].reduce((sum, ms) => sum + ms, 0);
      resolve({
        code,
        stdout,
        stderr,
        wallMs,
        peakTreeRssBytes: peak,
        maxProcessRssBytes,
        processesAtPeak,
        cpuMs,
        treeCpuMs,
      });
    });
  });
}

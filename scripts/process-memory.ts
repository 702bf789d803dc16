// Resident memory of workerd processes, read from /proc (Linux): the load and fuzz scripts watch the runtime from
// outside because workerd tells the isolate nothing about its own heap.
import { readdirSync, readFileSync } from "node:fs";

interface ProcessInfo {
  pid: number;
  ppid: number;
  pgrp: number;
  name: string;
}

function readProcess(pid: number): ProcessInfo | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    // "pid (comm) state ppid pgrp ...": comm may contain spaces and parentheses, so split after the last ")".
    const close = stat.lastIndexOf(")");
    const fields = stat.slice(close + 2).split(" ");
    return { pid, name: stat.slice(stat.indexOf("(") + 1, close), ppid: Number(fields[1]), pgrp: Number(fields[2]) };
  } catch {
    return undefined; // exited meanwhile
  }
}

function allProcesses(): ProcessInfo[] {
  return readdirSync("/proc")
    .filter((entry) => /^\d+$/.test(entry))
    .map((entry) => readProcess(Number(entry)))
    .filter((info): info is ProcessInfo => info !== undefined);
}

/** VmRSS of one process in bytes (0 if it is gone). */
export function residentBytes(pid: number): number {
  try {
    const match = /^VmRSS:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
    return match ? Number(match[1]) * 1024 : 0;
  } catch {
    return 0;
  }
}

/** workerd processes started by `root` (any depth below it, or in its process group). */
export function workerdPids(root: number): number[] {
  const processes = allProcesses();
  const below = new Set([root]);
  for (let grew = true; grew; ) {
    grew = false;
    for (const p of processes) {
      if (!below.has(p.pid) && (below.has(p.ppid) || p.pgrp === root)) {
        below.add(p.pid);
        grew = true;
      }
    }
  }
  return processes.filter((p) => below.has(p.pid) && p.name === "workerd").map((p) => p.pid);
}

/** The command line of a process ("" if it is gone). */
export function commandLine(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, "utf8").replaceAll("\0", " ").trim();
  } catch {
    return "";
  }
}

/** Resident memory of each workerd process under `root`, in bytes, by pid. */
export function workerdResidentByPid(root: number): Map<number, number> {
  return new Map(workerdPids(root).map((pid) => [pid, residentBytes(pid)]));
}

/** Total resident memory of the workerd processes under `root`, in bytes. */
export function workerdResidentBytes(root: number): number {
  return workerdPids(root).reduce((sum, pid) => sum + residentBytes(pid), 0);
}

export const mib = (bytes: number): string => `${(bytes / 2 ** 20).toFixed(bytes < 100 * 2 ** 20 ? 1 : 0)} MiB`;

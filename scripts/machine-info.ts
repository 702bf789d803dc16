// What a benchmark ran on, so that numbers in BENCHMARKS.md can be compared across machines.
import { readFileSync } from "node:fs";
import os from "node:os";

export interface MachineInfo {
  cpuModel: string;
  cores: number;
  /** Clock of the first core in MHz as the OS reports it; 0 if unknown. */
  mhz: number;
  ramGiB: number;
  node: string;
  platform: string;
}

// os.cpus() reports speed 0 in some VMs, while /proc/cpuinfo still has the clock.
function cpuinfoMhz(): number {
  try {
    const match = /^cpu MHz\s*:\s*([\d.]+)/m.exec(readFileSync("/proc/cpuinfo", "utf8"));
    return match ? Math.round(Number(match[1])) : 0;
  } catch {
    return 0;
  }
}

export function describeMachine(): MachineInfo {
  const cpus = os.cpus();
  return {
    cpuModel: cpus[0]?.model.trim() ?? "unknown",
    cores: cpus.length,
    mhz: cpus[0]?.speed || cpuinfoMhz(),
    ramGiB: Math.round((os.totalmem() / 2 ** 30) * 10) / 10,
    node: process.version,
    platform: `${os.platform()} ${os.arch()}`,
  };
}

/** The 1-minute load average, rounded for display. */
export function loadAverage(): number {
  return Math.round(os.loadavg()[0] * 100) / 100;
}

/**
 * Whether other processes competed for the cores: the load beyond what the benchmark itself
 * contributes (`ownThreads` busy threads) reached half a core.
 */
export function wasBusy(load: number, ownThreads: number): boolean {
  return load - ownThreads >= 0.5;
}

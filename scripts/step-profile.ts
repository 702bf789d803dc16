// Where the time of one training step goes, per tfjs kernel, measured with tf.profile.
import * as tf from "@tensorflow/tfjs";
import { median } from "./stats.ts";

export interface KernelShare {
  kernel: string;
  /** Median over the profiled steps of the kernel's total time within a step. */
  ms: number;
}

export interface StepProfile {
  steps: number;
  /** Median wall time of a profiled step (profiling itself adds a little). */
  stepMs: number;
  kernels: KernelShare[];
}

/**
 * Runs `step` `steps` times under tf.profile. Entries that only wrap other kernels are left out, as
 * their inner kernels are counted: the `wrappers` given (e.g. a custom kernel written with tfjs
 * ops) and custom-gradient ops, which tfjs profiles under their scope name `<op>__op`.
 */
export async function profileSteps(step: () => Promise<unknown>, steps: number, wrappers: readonly string[]): Promise<StepProfile> {
  const perKernel = new Map<string, number[]>();
  const walls: number[] = [];
  for (let i = 0; i < steps; i++) {
    const started = performance.now();
    const profile = await tf.profile(async () => {
      await step();
    });
    walls.push(performance.now() - started);
    const totals = new Map<string, number>();
    for (const k of profile.kernels) {
      if (wrappers.includes(k.name) || k.name.endsWith("__op")) continue;
      totals.set(k.name, (totals.get(k.name) ?? 0) + Number(k.kernelTimeMs));
    }
    for (const [name, ms] of totals) perKernel.set(name, [...(perKernel.get(name) ?? []), ms]);
  }
  // A kernel missing from some steps counts as 0 ms there.
  const kernels = [...perKernel].map(([kernel, times]) => ({ kernel, ms: median([...times, ...Array(steps - times.length).fill(0)]) }));
  kernels.sort((a, b) => b.ms - a.ms);
  return { steps, stepMs: median(walls), kernels };
}

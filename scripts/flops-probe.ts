// How many float32 FLOP/s a plain matrix product reaches: on tfjs-backend-wasm (XNNPACK, one
// thread) and natively (numpy's OpenBLAS), the latter as the machine's practical ceiling.
import { spawnSync } from "node:child_process";
import * as tf from "@tensorflow/tfjs";
import { median } from "./stats.ts";
import { prefersFlipped } from "../training/plain-matmul.ts";

/** GFLOP/s of an n×n×n product on the active tfjs backend; B stays the same, as XNNPACK likes it. */
export function backendGemmGflops(n: number, repeats: number): number {
  const [a, b] = [tf.randomUniform([n, n]), tf.randomUniform([n, n])];
  try {
    tf.matMul(a, b).dispose(); // warm-up: XNNPACK packs b once
    const seconds: number[] = [];
    for (let i = 0; i < repeats; i++) {
      const started = performance.now();
      const c = tf.matMul(a, b);
      c.dataSync();
      seconds.push((performance.now() - started) / 1000);
      c.dispose();
    }
    return (2 * n ** 3) / median(seconds) / 1e9;
  } finally {
    tf.dispose([a, b]);
  }
}

/** A matrix product C[m,n] = A[m,k]·B[k,n]. */
export type ProductShape = [m: number, k: number, n: number];

/**
 * The untransposed products one training step of a dense stack issues on wasm, as FastDense (through
 * plainMatMul) arranges them: per layer the forward product and the weight gradient Xᵀ·dZ, and for all
 * but the first layer the input gradient dZ·Wᵀ; each computed flipped when that packs less.
 */
export function trainingStepProducts(sizes: readonly number[], batch: number): ProductShape[] {
  const issued = (m: number, k: number, n: number, transposeA: boolean, transposeB: boolean): ProductShape =>
    prefersFlipped(m, k, n, transposeA, transposeB) ? [n, k, m] : [m, k, n];
  const products: ProductShape[] = [];
  for (let i = 0; i + 1 < sizes.length; i++) {
    const [fanIn, units] = [sizes[i], sizes[i + 1]];
    products.push(issued(batch, fanIn, units, false, false));
    products.push(issued(fanIn, batch, units, true, false));
    if (i > 0) products.push(issued(batch, units, fanIn, false, true));
  }
  return products;
}

/**
 * GFLOP/s of the given products on the active tfjs backend when, as in training, both operands are new
 * tensors every time (XNNPACK packs B afresh for each): total FLOPs over the sum of per-product medians.
 */
export function freshOperandGflops(products: readonly ProductShape[], repeats: number): number {
  let flops = 0;
  let seconds = 0;
  for (const [m, k, n] of products) {
    const times: number[] = [];
    for (let i = 0; i <= repeats; i++) {
      const [a, b] = [tf.randomUniform([m, k]), tf.randomUniform([k, n])];
      a.dataSync();
      b.dataSync();
      const started = performance.now();
      const c = tf.matMul(a, b);
      c.dataSync();
      if (i > 0) times.push((performance.now() - started) / 1000); // the first is a warm-up
      tf.dispose([a, b, c]);
    }
    flops += 2 * m * k * n;
    seconds += median(times);
  }
  return flops / seconds / 1e9;
}

export type NativeGemm = { singleThread: number; allCores: number } | { unavailable: string };

const NUMPY_PROBE = `
import sys, time, numpy as np
n, repeats = int(sys.argv[1]), int(sys.argv[2])
a = np.random.rand(n, n).astype(np.float32)
b = np.random.rand(n, n).astype(np.float32)
a @ b
times = []
for _ in range(repeats):
    t = time.perf_counter(); a @ b; times.append(time.perf_counter() - t)
print(2 * n ** 3 / sorted(times)[len(times) // 2] / 1e9)
`;

function numpyGflops(n: number, repeats: number, threads: number | undefined): number | string {
  const env = { ...process.env };
  if (threads !== undefined) env.OPENBLAS_NUM_THREADS = String(threads);
  const run = spawnSync("python3", ["-c", NUMPY_PROBE, String(n), String(repeats)], { env, encoding: "utf8", timeout: 60_000 });
  if (run.error) return `python3 could not run (${run.error.message})`;
  const value = Number(run.stdout.trim());
  if (run.status !== 0 || !Number.isFinite(value)) {
    const lastLine = run.stderr.trim().split("\n").at(-1) ?? "";
    return lastLine.includes("numpy") ? "numpy is not installed" : `the numpy probe failed: ${lastLine}`;
  }
  return value;
}

/** Native SGEMM through numpy, if python3 with numpy is installed (optional: it only adds context). */
export function nativeGemmGflops(n: number, repeats: number): NativeGemm {
  const singleThread = numpyGflops(n, repeats, 1);
  if (typeof singleThread === "string") return { unavailable: singleThread };
  const allCores = numpyGflops(n, repeats, undefined);
  if (typeof allCores === "string") return { unavailable: allCores };
  return { singleThread, allCores };
}

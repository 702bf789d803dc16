// How many float32 FLOP/s a plain matrix product reaches: on tfjs-backend-wasm (XNNPACK, one
// thread) and natively (numpy's OpenBLAS), the latter as the machine's practical ceiling.
import { spawnSync } from "node:child_process";
import * as tf from "@tensorflow/tfjs";
import { median } from "./stats.ts";

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

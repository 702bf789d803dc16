import { describe, expect, it } from "vitest";
import { renderMarkdown, trainingFlopsPerSample, type ThroughputRow, type TrainingBenchResults } from "../scripts/bench-train.ts";
import { presetRecipe } from "../training/presets.ts";
import { trainingStepProducts } from "../scripts/flops-probe.ts";

function row(id: string, backend: "wasm" | "cpu" | "node", dense: "stock" | "fast", samplesPerSecond: number[], note?: string): ThroughputRow {
  const measured = samplesPerSecond.length > 0;
  return {
    id, label: `${backend} ${dense}`, backend, dense, samples: 1024, repeats: samplesPerSecond.length,
    status: measured ? "measured" : "skipped", note, samplesPerSecond,
    median: measured ? [...samplesPerSecond].sort((a, b) => a - b)[Math.floor(samplesPerSecond.length / 2)] : undefined,
    samplesPerCpuSecond: measured ? 1.25 * samplesPerSecond[0] : undefined,
  };
}

function results(load: { start: number; end: number; busy: boolean }): TrainingBenchResults {
  return {
    date: "2026-01-01T00:00:00.000Z",
    quick: false,
    machine: { cpuModel: "Test CPU", cores: 2, mhz: 2600, ramGiB: 8, node: "v22.0.0", platform: "linux x64" },
    versions: { tfjs: "4.22.0", wasmBackend: "4.22.0" },
    load,
    flopsPerSample: 3.2e6,
    rows: [
      row("wasm-stock", "wasm", "stock", [590, 600, 610]),
      row("wasm-fast", "wasm", "fast", [2300, 2400, 2500]),
      row("node-stock", "node", "stock", [], "--backend node: @tensorflow/tfjs-node is not installed (optional dependency)"),
    ],
    speedup: 4,
    flops: { gemmSize: 1024, wasmGflops: 25, freshOperandGflops: 10, native: { unavailable: "numpy is not installed" } },
    fastStep: { steps: 3, stepMs: 50, kernels: [{ kernel: "BatchMatMul", ms: 30 }, { kernel: "Transpose", ms: 5 }] },
  };
}

describe("bench:train report", () => {
  it("counts the matrix-product FLOPs of the seed MLP per training sample", () => {
    // forward + weight gradients for every layer, input gradients for all but the first
    const expected = 2 * (784 * 512 * 2 + 512 * 512 * 3 + 512 * 10 * 3);
    expect(trainingFlopsPerSample(presetRecipe("mlp"))).toBe(expected);
  });

  it("probes the same matrix products a FastDense training step issues, with the FLOPs of a batch", () => {
    const products = trainingStepProducts([784, 512, 512, 10], 128);
    expect(products).toHaveLength(8);
    const flops = products.reduce((sum, [m, k, n]) => sum + 2 * m * k * n, 0);
    expect(flops).toBe(128 * trainingFlopsPerSample(presetRecipe("mlp")));
    // The first layer's forward product is issued flipped (W1ᵀ·xᵀ), so that the batch, not the kernel, is packed.
    expect(products[0]).toEqual([512, 784, 128]);
  });

  it("shows medians, the speedup over stock wasm, the epoch projection and what was not installed", () => {
    const markdown = renderMarkdown(results({ start: 0.1, end: 1.2, busy: false }));
    expect(markdown).toMatch(/\| wasm fast \| \*\*2,400\*\* \| 2,300–2,500 \(3× 1,024\) \| 53\.3 \| 4\.00× \| 22\.5 \| 7\.7 \| 2,875 \|/);
    expect(markdown).toContain("| node stock | not installed |");
    expect(markdown).toContain("FastDense on wasm vs stock wasm: 4.00×");
    expect(markdown).toContain("native SGEMM not measured (numpy is not installed)");
    // 2,400 samples/s × 3.2 MFLOP = 7.68 GFLOP/s, 77% of the 10 GFLOP/s fresh-operand probe.
    expect(markdown).toContain("FastDense training sustains 7.7 GFLOP/s of matrix products: 77% of those fresh-operand products");
    expect(markdown).toContain("| outside kernels (tfjs engine, model.fit bookkeeping) | 15.00 | 30% |");
    expect(markdown).not.toContain("the machine was busy");
  });

  it("warns when the machine was busy", () => {
    expect(renderMarkdown(results({ start: 2.5, end: 3, busy: true }))).toContain("the machine was busy");
  });
});

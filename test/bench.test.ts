// `npm run bench -- --quick` as CI runs it (through its functions, without writing BENCHMARKS.md): every figure
// the report promises must come out as a number, for every model. Values are not asserted: timings belong to the
// benchmark, not to tests.
import { beforeAll, describe, expect, it } from "vitest";
import { runBench, type BenchResults } from "../scripts/bench.ts";
import { VARIANTS } from "../scripts/bench-suite.ts";

let bench: BenchResults;

beforeAll(async () => {
  bench = await runBench({ quick: true, write: false });
}, 900_000);

const finite = (value: number) => expect(Number.isFinite(value), `${value} is not a finite number`).toBe(true);

describe("npm run bench -- --quick", () => {
  it("writes the training, serving and quantized-model sections, with no missing figure", () => {
    expect(bench.sections.map((s) => s.id)).toEqual(["train-throughput", "serving", "quantized-models"]);
    for (const section of bench.sections) {
      expect(section.markdown.length).toBeGreaterThan(200);
      expect(section.markdown).not.toMatch(/\bNaN\b|\bn\/a\b|undefined/);
    }
    const training = bench.training.results.rows.filter((row) => row.backend === "wasm");
    expect(training.map((row) => row.status)).toEqual(["measured", "measured"]);
  });

  it("records machine, load and versions", () => {
    const { machine, load, versions } = bench.serving;
    expect(machine.cores).toBeGreaterThan(0);
    finite(load.start);
    finite(load.end);
    for (const version of Object.values(versions)) expect(version).toMatch(/^v?\d+\.\d+/);
  });

  it("serves each model (float32, int8, float16) and says which in GET /model", () => {
    expect(bench.serving.variants.map((v) => v.weights)).toEqual([...VARIANTS]);
    for (const v of bench.serving.variants) {
      expect(v.servedWeights).toBe(v.weights);
      expect(v.onnxBytes).toBeGreaterThan(0);
      expect(v.testAccuracy).toBeGreaterThan(0);
      expect(v.testAccuracy).toBeLessThanOrEqual(1);
      finite(v.accuracyCostPoints);
      expect(v.bundle.modules.some((m) => m.name.endsWith(".wasm"))).toBe(true);
      expect(v.bundle.modules.some((m) => m.name.endsWith(".onnx"))).toBe(true);
      expect(v.bundle.gzipBytes).toBeGreaterThan(0);
      expect(v.bundle.wranglerGzipBytes).toBeGreaterThan(0);
    }
  });

  it("measures cold starts with every phase, warm latency and Node-side latency for each model", () => {
    for (const v of bench.serving.variants) {
      expect(v.coldStarts.length).toBeGreaterThan(0);
      for (const value of Object.values(v.coldStart).flatMap((x) => (typeof x === "number" ? [x] : Object.values(x)))) finite(value);
      finite(v.warm.inWorker.p50);
      finite(v.warm.inWorker.p99);
      finite(v.warm.loop.meanMs);
      expect(v.warm.digit).toBe(bench.serving.upload.label);
      finite(v.node.inference.p50);
      finite(v.node.sessionCreateMs);
    }
    const pipeline = bench.serving.nodePipeline;
    for (const stage of [pipeline.decode, pipeline.preprocess, pipeline.inference, pipeline.total]) finite(stage.p50);
    expect(pipeline.digit).toBe(bench.serving.upload.label);
  });

  it("measures /classify (rate-limited and from a loopback client) against /health at concurrency 1, 8 and 32, every answer a 2xx", () => {
    expect(bench.serving.throughput.map((row) => row.connections)).toEqual([1, 8, 32]);
    for (const row of bench.serving.throughput) {
      expect(row.health.requestsPerSecond).toBeGreaterThan(0);
      expect(row.classify.requestsPerSecond).toBeGreaterThan(0);
      expect(row.classifyUnlimited.requestsPerSecond).toBeGreaterThan(0);
      for (const run of [row.health, row.classify, row.classifyUnlimited]) expect(run.non2xx + run.errors).toBe(0);
      finite(row.ratio);
      finite(row.ratioUnlimited);
    }
  });

  it("checks the real entry: session created during start-up, first /classify after Ready", () => {
    expect(bench.serving.readyStarts.length).toBeGreaterThan(0);
    for (const sample of bench.serving.readyStarts) {
      expect(sample.modelLoadedAtReady).toBe(true);
      finite(sample.firstClassifyClientMs);
    }
  });

  it("evaluates every target", () => {
    expect(bench.targets).toHaveLength(5);
    for (const target of bench.targets) expect(typeof target.met).toBe("boolean");
  });
});

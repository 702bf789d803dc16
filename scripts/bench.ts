// Every benchmark of the project in one run, written into BENCHMARKS.md:
// - training throughput (scripts/bench-train.ts, section "train-throughput");
// - serving against `wrangler dev`: cold start with its phases, warm latency, /classify vs /health throughput,
//   bundle size (section "serving");
// - int8 and float16 re-exports of the model next to float32: size, bundle, accuracy, latency ("quantized-models").
//
//   npm run bench [-- --quick] [-- --no-write]
//
// --quick is a smoke run (CI): every figure, from few samples. --no-write prints without touching BENCHMARKS.md.
import { pathToFileURL } from "node:url";
import { BENCHMARK_SECTION as TRAINING_SECTION, runTrainingBench, type TrainingBenchResults } from "./bench-train.ts";
import { evaluateTargets, QUANTIZED_SECTION, renderQuantizedMarkdown, renderServingMarkdown, SERVING_SECTION, type Target } from "./bench-report.ts";
import { runServingSuite, type SuiteResults } from "./bench-suite.ts";
import { updateBenchmarkSection } from "./benchmarks-file.ts";

export interface BenchResults {
  training: { markdown: string; results: TrainingBenchResults };
  serving: SuiteResults;
  targets: Target[];
  sections: { id: string; title: string; markdown: string }[];
}

export async function runBench(options: { quick: boolean; write: boolean; log?: (message: string) => void }): Promise<BenchResults> {
  const log = options.log ?? (() => {});
  log("training throughput (bench:train)");
  const training = await runTrainingBench({ quick: options.quick });
  const serving = await runServingSuite({ quick: options.quick, log });
  const sections = [
    { ...TRAINING_SECTION, markdown: training.markdown },
    { ...SERVING_SECTION, markdown: renderServingMarkdown(serving) },
    { ...QUANTIZED_SECTION, markdown: renderQuantizedMarkdown(serving) },
  ];
  if (options.write) {
    for (const section of sections) await updateBenchmarkSection(section.id, section.title, section.markdown);
  }
  return { training, serving, targets: evaluateTargets(serving), sections };
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const unknown = args.filter((arg) => arg !== "--quick" && arg !== "--no-write");
  if (unknown.length > 0) {
    console.error(`Unknown argument(s): ${unknown.join(" ")}\nUsage: npm run bench [-- --quick] [-- --no-write]`);
    process.exitCode = 2;
    return;
  }
  const write = !args.includes("--no-write");
  const started = performance.now();
  const result = await runBench({
    quick: args.includes("--quick"),
    write,
    log: (message) => console.error(`[bench ${((performance.now() - started) / 1000).toFixed(0)} s] ${message}`),
  });
  for (const section of result.sections) console.log(`\n## ${section.title}\n\n${section.markdown}`);
  console.log(`\n${write ? `Written to BENCHMARKS.md (sections ${result.sections.map((s) => s.id).join(", ")})` : "BENCHMARKS.md not touched (--no-write)"}; ${((performance.now() - started) / 1000).toFixed(0)} s.`);
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main().catch((error: unknown) => {
    console.error(`bench failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
    process.exitCode = 1;
  });
}

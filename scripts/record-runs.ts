// Records full training runs in BENCHMARKS.md: pass the model cards (mnist-mlp.json) the runs wrote.
//   npx tsx scripts/record-runs.ts model/mnist-mlp.json .tmp-runs/*/mnist-mlp.json
import { readFileSync } from "node:fs";
import { updateBenchmarkSection } from "./benchmarks-file.ts";
import { describeMachine } from "./machine-info.ts";
import { PRESETS, type PresetName } from "../training/presets.ts";
import type { ModelCard } from "../training/model-card.ts";

const pct = (x: number | undefined) => (x === undefined ? "–" : `${(x * 100).toFixed(2)}%`);

function row(card: ModelCard): string {
  const published = PRESETS[card.recipe.preset as PresetName].published;
  const test = card.metrics.test.accuracy;
  const gap = (test - published.accuracy) * 100;
  const lastStep = card.metrics.lastEpochTest?.accuracy;
  return (
    `| \`${card.recipe.preset}\` | ${card.recipe.seed} | ${card.training.epochs} | ${card.training.weightsFrom} | **${pct(test)}** | ` +
    `${pct(lastStep ?? test)} | ${pct(card.metrics.validation?.accuracy)} | ${pct(published.accuracy)} (±${(published.tolerance * 100).toFixed(1)}) | ` +
    `${gap >= 0 ? "+" : "−"}${Math.abs(gap).toFixed(2)} | ${card.backend.name} | ${card.training.seconds} s | \`${card.sha256.slice(0, 12)}\` |`
  );
}

const files = process.argv.slice(2);
if (files.length === 0) {
  console.error("usage: npx tsx scripts/record-runs.ts CARD.json [...]");
  process.exit(2);
}
const rows = files.map((file) => {
  try {
    return row(JSON.parse(readFileSync(file, "utf8")) as ModelCard);
  } catch (error) {
    console.error(`error: ${file}: not a readable model card (${(error as Error).message})`);
    process.exit(1);
  }
});
const machine = describeMachine();
const markdown = [
  `Recorded ${new Date().toISOString()} on ${machine.cpuModel}, ${machine.cores} cores, ${machine.ramGiB} GiB RAM; ${machine.node}. ` +
    "Each row is one complete `npm run train` run (the 60,000 training images less the validation split, the full recipe), evaluated on the 10,000 MNIST test images; " +
    "the ONNX export of each was checked against the trained model by onnxruntime-web. Training seconds were measured on a machine shared with other work.",
  "",
  "| preset | seed | epochs | weights served | test accuracy | last-step weights | validation | published | vs published (points) | backend | training time | ONNX sha |",
  "|---|--:|--:|---|--:|--:|--:|--:|--:|---|--:|---|",
  ...rows,
].join("\n");
await updateBenchmarkSection("full-runs", "Full training runs (`npm run train`)", markdown);
console.log(markdown);

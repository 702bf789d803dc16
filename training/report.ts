import * as vega from "vega";
import * as vl from "vega-lite";
import { encode as encodePng } from "fast-png";
import type { EpochLog } from "./checkpoint.ts";
import type { ClassificationMetrics } from "./metrics.ts";
import { IMAGE_SIZE, PIXELS, type DigitSet } from "./dataset.ts";

export interface ReportInput {
  title: string;
  summary: Record<string, string>;
  history: EpochLog[];
  test: ClassificationMetrics;
  testSet: DigitSet;
  testProbabilities: Float32Array;
  maxMisclassified?: number;
}

async function renderSvg(spec: vl.TopLevelSpec): Promise<string> {
  const view = new vega.View(vega.parse(vl.compile(spec).spec), { renderer: "none" });
  const svg = await view.toSVG();
  view.finalize();
  return svg;
}

function curvesSpec(history: EpochLog[], metric: "loss" | "acc", title: string): vl.TopLevelSpec {
  const values = history.flatMap((e) => [
    { epoch: e.epoch, split: "train", value: e[metric] },
    ...(metric === "loss" ? (e.val_loss === undefined ? [] : [{ epoch: e.epoch, split: "validation", value: e.val_loss }]) : []),
    ...(metric === "acc" ? (e.val_acc === undefined ? [] : [{ epoch: e.epoch, split: "validation", value: e.val_acc }]) : []),
  ]);
  return {
    title,
    width: 380,
    height: 240,
    data: { values },
    mark: { type: "line", point: true },
    encoding: {
      x: { field: "epoch", type: "quantitative", axis: { tickMinStep: 1 } },
      y: { field: "value", type: "quantitative", scale: { zero: false }, title: metric === "loss" ? "cross-entropy" : "accuracy" },
      color: { field: "split", type: "nominal" },
    },
  };
}

function confusionSpec(confusion: number[][]): vl.TopLevelSpec {
  const values = confusion.flatMap((row, truth) => row.map((count, predicted) => ({ truth, predicted, count })));
  return {
    title: "Confusion matrix (test set)",
    data: { values },
    width: 360,
    height: 360,
    encoding: {
      x: { field: "predicted", type: "ordinal", title: "predicted" },
      y: { field: "truth", type: "ordinal", title: "true" },
    },
    layer: [
      { mark: "rect", encoding: { color: { field: "count", type: "quantitative", scale: { type: "symlog", scheme: "blues" } } } },
      {
        mark: { type: "text", fontSize: 10 },
        encoding: {
          text: { field: "count", type: "quantitative" },
          color: { condition: { test: "datum.count > 300", value: "white" }, value: "black" },
        },
      },
    ],
  };
}

function digitPngDataUrl(images: Float32Array, index: number): string {
  const pixels = new Uint8Array(PIXELS);
  for (let i = 0; i < PIXELS; i++) pixels[i] = Math.round(images[index * PIXELS + i] * 255);
  const png = encodePng({ width: IMAGE_SIZE, height: IMAGE_SIZE, data: pixels, channels: 1, depth: 8 });
  return `data:image/png;base64,${Buffer.from(png).toString("base64")}`;
}

const escapeHtml = (s: string) => s.replace(/[&<>"]/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;" })[c]!);

function misclassifiedGrid(input: ReportInput): string {
  const { test, testSet, testProbabilities } = input;
  const wrong: number[] = [];
  for (let i = 0; i < testSet.count; i++) if (test.predictions[i] !== testSet.labels[i]) wrong.push(i);
  const shown = wrong.slice(0, input.maxMisclassified ?? 100);
  const cells = shown.map((i) => {
    const predicted = test.predictions[i];
    const p = testProbabilities[i * 10 + predicted];
    return `<figure><img src="${digitPngDataUrl(testSet.images, i)}" alt="test image ${i}"><figcaption>#${i}<br>true ${testSet.labels[i]} → <b>${predicted}</b> (${(p * 100).toFixed(0)}%)</figcaption></figure>`;
  });
  return `<p>${wrong.length} of ${testSet.count} test images are misclassified; the first ${shown.length} are shown.</p><div class="grid">${cells.join("")}</div>`;
}

/** A self-contained HTML page: curves, confusion matrix, per-class accuracy and misclassified digits. */
export async function renderReport(input: ReportInput): Promise<string> {
  const [loss, acc, confusion] = await Promise.all([
    renderSvg(curvesSpec(input.history, "loss", "Loss per epoch")),
    renderSvg(curvesSpec(input.history, "acc", "Accuracy per epoch")),
    renderSvg(confusionSpec(input.test.confusion)),
  ]);
  const summaryRows = Object.entries(input.summary)
    .map(([k, v]) => `<tr><th>${escapeHtml(k)}</th><td>${escapeHtml(v)}</td></tr>`)
    .join("");
  const perClass = input.test.perClassAccuracy.map((a, d) => `<tr><th>${d}</th><td>${(a * 100).toFixed(2)}%</td></tr>`).join("");
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${escapeHtml(input.title)}</title>
<style>
body{font-family:system-ui,sans-serif;margin:2rem;max-width:1100px;color:#222}
table{border-collapse:collapse;margin:.5rem 0}th,td{padding:.2rem .6rem;border-bottom:1px solid #ddd;text-align:left}
.charts{display:flex;flex-wrap:wrap;gap:1rem}.grid{display:flex;flex-wrap:wrap;gap:.5rem}
figure{margin:0;text-align:center;font-size:.75rem}figure img{width:56px;height:56px;image-rendering:pixelated;display:block;margin:auto}
</style></head><body>
<h1>${escapeHtml(input.title)}</h1>
<table>${summaryRows}</table>
<h2>Training</h2><div class="charts">${loss}${acc}</div>
<h2>Test set</h2><div class="charts">${confusion}<table><tr><th>digit</th><th>accuracy</th></tr>${perClass}</table></div>
<h2>Misclassified test digits</h2>${misclassifiedGrid(input)}
</body></html>
`;
}

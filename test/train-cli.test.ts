import { describe, expect, it, beforeAll } from "vitest";
import { copyFileSync, mkdtempSync, readFileSync, existsSync, readdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { runTrainCli, startTrainCli } from "./helpers/train-cli.ts";
import { runOnnxChecker } from "./helpers/onnx-checker.ts";
import { readOnnxMetadata } from "../training/onnx-export.ts";
import { sha256Hex } from "../training/model-card.ts";
import { defaultDataDir } from "../training/dataset.ts";

const QUICK = ["--limit", "2000", "--epochs", "2", "--hidden", "64,64"];
const ARTIFACTS = ["mnist-mlp.onnx", "mnist-mlp.json", "mnist-mlp.report.html"];

function snapshot(dir: string): Record<string, Buffer> {
  return Object.fromEntries(ARTIFACTS.map((f) => [f, readFileSync(join(dir, f))]));
}

describe("npm run train: bad flags and data", () => {
  it.each([
    [["--epochs", "0"], /--epochs <n>' argument '0' is invalid.*whole number ≥ 1/],
    [["--preset", "huge"], /argument 'huge' is invalid. Allowed choices are mlp, tiny, dropout/],
    [["--hidden", "512,x"], /comma-separated layer widths/],
    [["--val-split", "1.5"], /expected a number in \[0, 1\)/],
    [["--lr", "-1"], /expected a positive number/],
    [["--frobnicate"], /unknown option '--frobnicate'/],
    [["--patience", "3", "--val-split", "0"], /need a validation set/],
    [["--keep", "newest"], /Allowed choices are last, best-val-loss, best-val-acc/],
    [["--keep", "best-val-acc"], /--ema averages the weights up to the last step: use it with --keep last/],
    [["--labels", "a,b,c"], /--labels <names>' argument 'a,b,c' is invalid.*10 different comma-separated class names, got 3/],
  ])("%j is refused with a clear message and no stack trace", async (args, message) => {
    const { code, output } = await runTrainCli(args);
    expect(code).not.toBe(0);
    expect(output).toMatch(message);
    expect(output).not.toMatch(/\n\s+at .*\.(ts|js):\d+/);
  });

  it("names the data file and its problem", async () => {
    const { code, output } = await runTrainCli(["--data", "/nonexistent-dir"]);
    expect(code).toBe(1);
    expect(output).toMatch(/error: \/nonexistent-dir\/train-images-idx3-ubyte: file not found/);
    expect(output).not.toMatch(/\n\s+at /);
  });
});

describe("npm run train: a quick run end to end", () => {
  let out: string;
  let output: string;

  beforeAll(async () => {
    out = mkdtempSync(join(tmpdir(), "train-"));
    const run = await runTrainCli([...QUICK, "--out", out]);
    output = run.output;
    expect(run.code, output).toBe(0);
  });

  it("says which backend runs and why", () => {
    expect(output).toMatch(/Backend: (wasm|tensorflow|cpu) — .+/);
  });

  it("shows per-epoch metrics, test accuracy, per-class accuracy and the confusion matrix", () => {
    expect(output).toMatch(/Epoch 2\/2\n.*loss: \d\.\d{4} - acc: \d\.\d{4} - val_loss: \d\.\d{4} - val_acc: \d\.\d{4} - [\d.]+s/);
    expect(output).toMatch(/Test: loss \d\.\d{4} - accuracy \d+\.\d\d% on 10000 images/);
    expect(output).toMatch(/Per-class accuracy: 0: [\d.]+%/);
    expect(output).toMatch(/true\\pred/);
  });

  it("writes a verified ONNX model that passes onnx.checker with the documented interface", () => {
    const report = runOnnxChecker(join(out, "mnist-mlp.onnx"));
    expect(report.error).toBeUndefined();
    expect(report.ok).toBe(true);
    expect(report.opsets!["ai.onnx"]).toBeGreaterThanOrEqual(13);
    expect(report.inputs).toEqual(["image"]);
    expect(report.outputs).toEqual(["probabilities"]);
    const metadata = readOnnxMetadata(readFileSync(join(out, "mnist-mlp.onnx")));
    expect(JSON.parse(metadata.recipe).hidden).toEqual([64, 64]);
    expect(metadata.labels).toBe("0,1,2,3,4,5,6,7,8,9");
    expect(metadata.preprocessing).toMatch(/white digit on black/);
  });

  it("writes a model card whose sha256 and accuracy describe the ONNX file", () => {
    const card = JSON.parse(readFileSync(join(out, "mnist-mlp.json"), "utf8"));
    expect(card.sha256).toBe(sha256Hex(readFileSync(join(out, "mnist-mlp.onnx"))));
    expect(card.recipe.epochs).toBe(2);
    expect(card.training.history).toHaveLength(2);
    // 30 steps on 1,800 images: far from converged, but far above the 10% of chance.
    expect(card.metrics.test.accuracy).toBeGreaterThan(0.6);
    expect(card.verification.testAccuracy).toBe(card.metrics.test.accuracy);
    expect(card.verification.maxProbabilityDifference).toBeLessThanOrEqual(1e-5);
    expect(card.metrics.test.confusion.flat().reduce((a: number, b: number) => a + b, 0)).toBe(10000);
    // The default recipe serves the moving average of the weights and also reports the last step's accuracy.
    expect(card.training.weightsFrom).toMatch(/moving average of the weights \(decay 0.999\)/);
    expect(card.metrics.lastEpochTest.accuracy).toBeGreaterThan(0.6);
    expect(card.metrics.validation.accuracy).toBeGreaterThan(0.6);
  });

  it("--keep best-val-acc keeps the epoch with the best validation accuracy and says which", async () => {
    const dir = mkdtempSync(join(tmpdir(), "train-keep-"));
    const run = await runTrainCli([...QUICK, "--epochs", "3", "--ema", "0", "--keep", "best-val-acc", "--out", dir]);
    expect(run.code, run.output).toBe(0);
    const card = JSON.parse(readFileSync(join(dir, "mnist-mlp.json"), "utf8"));
    const best = card.training.history.reduce((a: { val_acc: number }, e: { val_acc: number }) => (e.val_acc > a.val_acc ? e : a));
    expect(card.training.keptEpoch).toBe(best.epoch);
    expect(card.metrics.validation.accuracy).toBeCloseTo(best.val_acc, 6);
  });

  it("writes an HTML report with curves, the confusion matrix and misclassified digits", () => {
    const html = readFileSync(join(out, "mnist-mlp.report.html"), "utf8");
    expect(html).toMatch(/Loss per epoch/);
    expect((html.match(/<svg/g) ?? []).length).toBeGreaterThanOrEqual(3);
    expect(html).toMatch(/misclassified/);
    expect((html.match(/<img src="data:image\/png;base64,/g) ?? []).length).toBeGreaterThan(10);
  });

  it("a run killed mid-epoch leaves the previous files byte-identical", async () => {
    const before = snapshot(out);
    const run = startTrainCli([...QUICK, "--epochs", "50", "--out", out]);
    await run.waitFor(/Epoch 3\/50/);
    run.child.kill("SIGKILL");
    await run.exit;
    expect(snapshot(out)).toEqual(before);
  });

  it("a run killed while exporting leaves the previous files byte-identical", async () => {
    const before = snapshot(out);
    const run = startTrainCli([...QUICK, "--seed", "7", "--out", out]);
    await run.waitFor(/Test: loss/);
    run.child.kill("SIGKILL");
    await run.exit;
    expect(snapshot(out)).toEqual(before);
  });

  it("Ctrl-C stops cleanly without touching the files, and --resume finishes the run", async () => {
    const before = snapshot(out);
    const args = [...QUICK, "--epochs", "12", "--out", out];
    const run = startTrainCli(args);
    await run.waitFor(/Epoch 3\/12/);
    run.child.kill("SIGINT");
    const { code } = await run.exit;
    expect(code, run.output()).toBe(130);
    expect(run.output()).toMatch(/untouched; continue with --resume/);
    expect(snapshot(out)).toEqual(before);
    expect(existsSync(join(out, "mnist-mlp.ckpt"))).toBe(true);
    // Ctrl-C lands in whichever epoch is running; the partial epoch is dropped and the checkpoint says which it holds.
    const saved = Number(/the checkpoint holds epoch (\d+)/.exec(run.output())?.[1]);
    expect(saved).toBeGreaterThanOrEqual(2);
    expect(saved).toBeLessThan(12);

    const resumed = await runTrainCli([...args, "--resume"]);
    expect(resumed.code, resumed.output).toBe(0);
    expect(resumed.output).toMatch(new RegExp(`Resuming after epoch ${saved} `));
    expect(resumed.output).not.toMatch(/Epoch 1\/12/);
    const card = JSON.parse(readFileSync(join(out, "mnist-mlp.json"), "utf8"));
    expect(card.training.history.map((e: { epoch: number }) => e.epoch)).toEqual(Array.from({ length: 12 }, (_, i) => i + 1));
  });

  it("--resume refuses a checkpoint made with another recipe", async () => {
    const { code, output } = await runTrainCli([...QUICK, "--hidden", "32", "--out", out, "--resume"]);
    expect(code).toBe(1);
    expect(output).toMatch(/the checkpoint was made with another recipe/);
  });
});

describe("npm run train --data (another IDX set) --labels", () => {
  it("names the classes, states the data's own input layout and leaves out MNIST's published figure", async () => {
    // Another folder with the same layout stands in for e.g. Fashion-MNIST (not installed by .ci/run).
    const data = mkdtempSync(join(tmpdir(), "train-other-data-"));
    for (const file of readdirSync(defaultDataDir())) copyFileSync(join(defaultDataDir(), file), join(data, file));
    const out = mkdtempSync(join(tmpdir(), "train-labels-"));
    const labels = ["zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine"];
    const run = await runTrainCli([...QUICK, "--epochs", "1", "--data", data, "--labels", labels.join(", "), "--out", out]);
    expect(run.code, run.output).toBe(0);
    expect(run.output).toContain("Classes: 0 = zero, 1 = one, 2 = two");

    const card = JSON.parse(readFileSync(join(out, "mnist-mlp.json"), "utf8"));
    expect(card.labels).toEqual(labels);
    expect(card.format.output.meaning).toMatch(/index = class, named in labels/);
    expect(card.format.input.convention).toContain(data);
    expect(card.published).toBeUndefined();
    const metadata = readOnnxMetadata(readFileSync(join(out, "mnist-mlp.onnx")));
    expect(metadata.labels).toBe(labels.join(","));
    expect(metadata.preprocessing).not.toMatch(/MNIST/);
  });
});

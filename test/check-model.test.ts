// Model integrity at build time: scripts/check-model.mjs refuses an ONNX file whose sha256 differs from its card's,
// and wrangler's [build] command runs it, so `wrangler dev`/`deploy` refuse such a model too.
import { execFileSync, spawnSync } from "node:child_process";
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { unstable_readConfig } from "wrangler";
import { OFFLINE_WRANGLER_ENV, ROOT, WRANGLER_CLI } from "./helpers/wrangler.ts";

const SCRIPT = `${ROOT}scripts/check-model.mjs`;
const temp = mkdtempSync(join(tmpdir(), "edge-digits-model-check-"));
afterAll(() => rmSync(temp, { recursive: true, force: true }));

/** A copy of model/ (ONNX + card) in a fresh directory, optionally altered. */
function modelCopy(name: string, alter?: { onnx?: (bytes: Buffer) => Buffer; card?: (text: string) => string }): string {
  const dir = join(temp, name, "model");
  mkdirSync(dir, { recursive: true });
  const onnx = readFileSync(`${ROOT}model/mnist-mlp.onnx`);
  const card = readFileSync(`${ROOT}model/mnist-mlp.json`, "utf8");
  writeFileSync(join(dir, "mnist-mlp.onnx"), alter?.onnx ? alter.onnx(Buffer.from(onnx)) : onnx);
  writeFileSync(join(dir, "mnist-mlp.json"), alter?.card ? alter.card(card) : card);
  return dir;
}

const flipByte = (at: number) => (bytes: Buffer) => {
  bytes[at]! ^= 0x01;
  return bytes;
};

function check(dir: string) {
  return spawnSync(process.execPath, [SCRIPT, dir], { encoding: "utf8" });
}

describe("scripts/check-model.mjs", () => {
  it("accepts the committed model and an intact copy", () => {
    expect(execFileSync(process.execPath, [SCRIPT], { cwd: ROOT, encoding: "utf8" })).toMatch(/matches the sha256/);
    expect(check(modelCopy("intact")).status).toBe(0);
  });

  it("refuses a model with one bit changed, naming both files and both hashes", () => {
    const dir = modelCopy("one-bit", { onnx: flipByte(1000) });
    const run = check(dir);
    expect(run.status).toBe(1);
    const card = JSON.parse(readFileSync(join(dir, "mnist-mlp.json"), "utf8")) as { sha256: string };
    expect(run.stderr).toContain(join(dir, "mnist-mlp.onnx"));
    expect(run.stderr).toContain(join(dir, "mnist-mlp.json"));
    expect(run.stderr).toContain(card.sha256);
    expect(run.stderr).toMatch(/Refusing to build the worker/);
  });

  it.each<[string, Parameters<typeof modelCopy>[1], RegExp]>([
    ["a truncated model", { onnx: (b) => b.subarray(0, b.length - 1) }, /does not belong to its card/],
    ["a card without sha256", { card: (t) => JSON.stringify({ ...JSON.parse(t), sha256: undefined }) }, /no valid "sha256"/],
    ["a card that is not JSON", { card: (t) => t.slice(0, 100) }, /cannot read the model card/],
  ])("refuses %s", (name, alter, message) => {
    const run = check(modelCopy(name.replace(/\W+/g, "-"), alter));
    expect(run.status).toBe(1);
    expect(run.stderr).toMatch(message);
  });

  it("refuses a missing model file", () => {
    const run = check(join(temp, "nowhere"));
    expect(run.status).toBe(1);
    expect(run.stderr).toMatch(/cannot read the model .*ENOENT/);
  });
});

describe("wrangler runs it before building", () => {
  const config = unstable_readConfig({ config: `${ROOT}wrangler.toml` });

  it("is wrangler.toml's [build] command, watching model/", () => {
    expect(config.build.command).toBe("node scripts/check-model.mjs");
    expect([config.build.watch_dir].flat().map((dir) => dir.replace(/\/$/, "").split("/").at(-1))).toEqual(["model"]);
  });

  it("wrangler deploy --dry-run refuses a project whose model does not match its card", () => {
    // The project as wrangler sees it, with its own model/: wrangler.toml and the check script copied, the rest linked.
    const project = join(temp, "project");
    mkdirSync(join(project, "scripts"), { recursive: true });
    copyFileSync(`${ROOT}wrangler.toml`, join(project, "wrangler.toml"));
    copyFileSync(SCRIPT, join(project, "scripts", "check-model.mjs"));
    symlinkSync(`${ROOT}worker`, join(project, "worker"));
    symlinkSync(`${ROOT}node_modules`, join(project, "node_modules"));
    modelCopy("project", { onnx: flipByte(5000) });

    const run = spawnSync(process.execPath, [`${ROOT}${WRANGLER_CLI}`, "deploy", "--dry-run", "--outdir", join(project, "dist")], {
      cwd: project,
      encoding: "utf8",
      env: { ...process.env, ...OFFLINE_WRANGLER_ENV },
      timeout: 120_000,
    });
    expect(run.status).not.toBe(0);
    const output = run.stdout + run.stderr;
    expect(output).toMatch(/Model check failed: sha256 of model\/mnist-mlp\.onnx is [0-9a-f]{64}, but the model card model\/mnist-mlp\.json says/);
    expect(output).toMatch(/Running custom build `node scripts\/check-model\.mjs` failed/);
  }, 150_000);
});

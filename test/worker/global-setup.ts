// Runs in Node before the workerd tests (workerd cannot read the disk): hands them test/fixtures/* and what the
// model files in model/ say, computed independently of the worker's own bundling.
import { createHash } from "node:crypto";
import { readdirSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import type { TestProject } from "vitest/node";

const fixturesDir = fileURLToPath(new URL("../fixtures/", import.meta.url));
const modelDir = fileURLToPath(new URL("../../model/", import.meta.url));

export default function setup(project: TestProject): void {
  const fixtures: Record<string, string> = {};
  for (const name of readdirSync(fixturesDir)) {
    if (name.startsWith(".")) continue;
    fixtures[name] = readFileSync(fixturesDir + name).toString("base64");
  }
  project.provide("fixtures", fixtures);
  project.provide("modelCard", JSON.parse(readFileSync(modelDir + "mnist-mlp.json", "utf8")));
  project.provide("modelOnnxSha256", createHash("sha256").update(readFileSync(modelDir + "mnist-mlp.onnx")).digest("hex"));
}

#!/usr/bin/env node
// Build-time model integrity check, run by wrangler's [build] command before every `wrangler dev` and
// `wrangler deploy` (and by the workerd test setup): the ONNX file must be the one its model card names.
// Plain Node, no dependencies, so it runs before anything is installed or bundled.
//
//   node scripts/check-model.mjs [model-dir]      (default: the model/ directory next to scripts/)
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const MODEL_FILE = "mnist-mlp.onnx";
const CARD_FILE = "mnist-mlp.json";

const modelDir = resolve(process.argv[2] ?? fileURLToPath(new URL("../model/", import.meta.url)));
const onnxPath = join(modelDir, MODEL_FILE);
const cardPath = join(modelDir, CARD_FILE);
/**
 * Paths inside the working directory relative (as wrangler's log shows them), others absolute.
 * @param {string} path
 */
const shown = (path) => {
  const rel = relative(process.cwd(), path);
  return rel && !rel.startsWith("..") ? rel : path;
};

/**
 * @param {string} reason
 * @returns {never}
 */
function refuse(reason) {
  console.error(`Model check failed: ${reason}`);
  console.error(`Refusing to build the worker. Retrain (npm run train) or restore ${shown(onnxPath)} and ${shown(cardPath)} together.`);
  process.exit(1);
}

/** @param {unknown} error */
const why = (error) => (error instanceof Error ? /** @type {NodeJS.ErrnoException} */ (error).code ?? error.message : String(error));

/** @type {Buffer} */
let onnx;
try {
  onnx = readFileSync(onnxPath);
} catch (error) {
  refuse(`cannot read the model ${shown(onnxPath)} (${why(error)}).`);
}

/** @type {{ sha256?: unknown }} */
let card;
try {
  card = JSON.parse(readFileSync(cardPath, "utf8"));
} catch (error) {
  refuse(`cannot read the model card ${shown(cardPath)} (${why(error)}).`);
}

const expected = card?.sha256;
if (typeof expected !== "string" || !/^[0-9a-f]{64}$/i.test(expected)) {
  refuse(`the model card ${shown(cardPath)} has no valid "sha256" field (64 hex digits).`);
}

const actual = createHash("sha256").update(onnx).digest("hex");
if (actual !== expected.toLowerCase()) {
  refuse(
    `sha256 of ${shown(onnxPath)} is ${actual}, but the model card ${shown(cardPath)} says ${expected}: ` +
      "the model file does not belong to its card (corrupted, truncated or replaced).",
  );
}

console.log(`Model check: ${shown(onnxPath)} matches the sha256 in ${shown(cardPath)} (${actual.slice(0, 12)}).`);

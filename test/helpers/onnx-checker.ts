import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";

const SCRIPT = fileURLToPath(new URL("../../scripts/onnx-check.py", import.meta.url));

export interface CheckerReport {
  ok: boolean;
  error?: string;
  onnx?: string;
  ir_version?: number;
  opsets?: Record<string, number>;
  inputs?: string[];
  outputs?: string[];
  ops?: string[];
}

/**
 * Runs the official onnx.checker (Debian's python3-onnx) on a model file. Fails loudly when the
 * package is missing: the check is never skipped.
 */
export function runOnnxChecker(path: string): CheckerReport {
  // Debian's python3-onnx lives in the system interpreter, which may not be the first python3 on PATH.
  for (const python of ["/usr/bin/python3", "python3"]) {
    const run = spawnSync(python, [SCRIPT, path], { encoding: "utf8" });
    if (run.error || run.status === 2) continue;
    const line = run.stdout.trim().split("\n").pop() ?? "";
    return JSON.parse(line) as CheckerReport;
  }
  throw new Error("onnx.checker is not available: install Debian's python3-onnx (apt-get install -y python3-onnx); .ci/run does this");
}

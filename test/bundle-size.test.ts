// The deployable bundle (worker JS + ORT's .wasm + the ONNX model) must fit Cloudflare's paid-plan limit of
// 10 MiB compressed. Builds it with `wrangler deploy --dry-run` and prints the figures.
import { execFileSync } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { afterAll, expect, it } from "vitest";
import { OFFLINE_WRANGLER_ENV, ROOT, WRANGLER_CLI } from "./helpers/wrangler.ts";

const PAID_PLAN_LIMIT_BYTES = 10 * 1024 * 1024;
const outdir = mkdtempSync(join(tmpdir(), "edge-digits-bundle-"));

afterAll(() => rmSync(outdir, { recursive: true, force: true }));

it("the worker bundle's gzip size is under the 10 MiB paid-plan limit", () => {
  const log = execFileSync(
    process.execPath,
    [WRANGLER_CLI, "deploy", "--dry-run", "--outdir", outdir],
    {
      cwd: ROOT,
      encoding: "utf8",
      env: { ...process.env, ...OFFLINE_WRANGLER_ENV },
    },
  );
  const modules = readdirSync(outdir).filter((name) => !name.endsWith(".map") && name !== "README.md");
  expect(modules.some((name) => name.endsWith(".wasm"))).toBe(true);
  expect(modules.some((name) => name.endsWith(".onnx"))).toBe(true);

  let raw = 0;
  let gzip = 0;
  const lines: string[] = [];
  for (const name of modules) {
    const bytes = readFileSync(join(outdir, name));
    const compressed = gzipSync(bytes).length;
    raw += bytes.length;
    gzip += compressed;
    lines.push(`  ${name}: ${(bytes.length / 1024).toFixed(1)} KiB, gzip ${(compressed / 1024).toFixed(1)} KiB`);
  }
  const reported = /Total Upload: ([\d.]+) KiB \/ gzip: ([\d.]+) KiB/.exec(log);
  console.log(
    [
      `bundle: ${(raw / 1024 / 1024).toFixed(2)} MiB, gzip ${(gzip / 1024 / 1024).toFixed(2)} MiB ` +
        `(limit ${PAID_PLAN_LIMIT_BYTES / 1024 / 1024} MiB compressed)`,
      ...lines,
      `wrangler reports: ${reported?.[0] ?? "(no size line)"}`,
    ].join("\n"),
  );
  expect(gzip).toBeLessThan(PAID_PLAN_LIMIT_BYTES);
  expect(reported).not.toBeNull();
  expect(Number(reported![2]) * 1024).toBeLessThan(PAID_PLAN_LIMIT_BYTES);
}, 180_000);

// The deployable bundle's size, from `wrangler deploy --dry-run` in a bench worker directory (offline). The bench
// runs `wrangler dev` with test/helpers/wrangler.ts startWranglerDev, as the tests do.
import { execFile } from "node:child_process";
import { mkdtemp, readdir, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { gzipSync } from "node:zlib";
import { OFFLINE_WRANGLER_ENV, ROOT, WRANGLER_CLI } from "../test/helpers/wrangler.ts";

const WRANGLER = join(ROOT, WRANGLER_CLI);

export interface BundleSize {
  /** Every module wrangler would upload (maps and README left out), with raw and gzip bytes. */
  modules: { name: string; bytes: number; gzipBytes: number }[];
  bytes: number;
  gzipBytes: number;
  /** What wrangler itself prints as "Total Upload: … / gzip: …", in bytes. */
  wranglerGzipBytes: number;
}

/** Builds the deployable bundle of the worker in `cwd` with `wrangler deploy --dry-run --outdir` and measures it. */
export async function measureBundle(cwd: string): Promise<BundleSize> {
  const outdir = await mkdtemp(join(tmpdir(), "edge-digits-bench-bundle-"));
  try {
    const { stdout } = await promisify(execFile)(process.execPath, [WRANGLER, "deploy", "--dry-run", "--outdir", outdir], {
      cwd,
      env: { ...process.env, ...OFFLINE_WRANGLER_ENV },
      maxBuffer: 16 * 1024 * 1024,
    });
    const reported = /Total Upload: ([\d.]+) KiB \/ gzip: ([\d.]+) KiB/.exec(stdout);
    if (!reported) throw new Error(`wrangler deploy --dry-run printed no size line:\n${stdout}`);
    const modules = [];
    for (const name of (await readdir(outdir)).sort()) {
      if (name.endsWith(".map") || name === "README.md") continue;
      const bytes = await readFile(join(outdir, name));
      modules.push({ name, bytes: bytes.length, gzipBytes: gzipSync(bytes).length });
    }
    return {
      modules,
      bytes: modules.reduce((sum, m) => sum + m.bytes, 0),
      gzipBytes: modules.reduce((sum, m) => sum + m.gzipBytes, 0),
      wranglerGzipBytes: Math.round(Number(reported[2]) * 1024),
    };
  } finally {
    await rm(outdir, { recursive: true, force: true });
  }
}

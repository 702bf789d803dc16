// wrangler for the bench, run in a bench worker directory: `wrangler dev` on free 127.0.0.1 ports (nothing
// listens beyond loopback, nothing reaches another host), and `wrangler deploy --dry-run` for bundle sizes.
import { execFile, spawn } from "node:child_process";
import { mkdtemp, readdir, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { gzipSync } from "node:zlib";
import { freePort, OFFLINE_WRANGLER_ENV, ROOT, WRANGLER_CLI } from "../test/helpers/wrangler.ts";

const WRANGLER = join(ROOT, WRANGLER_CLI);

export interface DevServer {
  base: string;
  /** wrangler's pid; wrangler and its workerd run in their own process group. */
  pid: number;
  /** ms from spawning wrangler to its "Ready on" line. */
  readyMs: number;
  output(): string;
  /** Resolves when wrangler prints a line matching `pattern` after character `from` of its output. */
  waitForOutput(pattern: RegExp, from: number, timeoutMs: number): Promise<void>;
  stop(): Promise<void>;
}

export async function startDevServer(cwd: string, readyTimeoutMs = 120_000): Promise<DevServer> {
  const [port, inspectorPort] = [await freePort(), await freePort()];
  const base = `http://127.0.0.1:${port}`;
  const started = performance.now();
  const child = spawn(
    process.execPath,
    [WRANGLER, "dev", "--ip", "127.0.0.1", "--port", String(port), "--inspector-port", String(inspectorPort), "--show-interactive-dev-session=false"],
    { cwd, detached: true, stdio: ["ignore", "pipe", "pipe"], env: { ...process.env, ...OFFLINE_WRANGLER_ENV } },
  );
  let output = "";
  const listeners = new Set<() => void>();
  const onData = (chunk: Buffer) => {
    output += chunk.toString();
    for (const listener of listeners) listener();
  };
  child.stdout!.on("data", onData);
  child.stderr!.on("data", onData);
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));

  const waitForOutput = (pattern: RegExp, from: number, timeoutMs: number) =>
    new Promise<void>((resolve, reject) => {
      const check = () => {
        if (pattern.test(output.slice(from))) finish();
      };
      const timer = setTimeout(() => {
        listeners.delete(check);
        reject(new Error(`wrangler dev: no ${pattern} after ${timeoutMs / 1000} s:\n${output.slice(-2000)}`));
      }, timeoutMs);
      const finish = () => {
        clearTimeout(timer);
        listeners.delete(check);
        resolve();
      };
      listeners.add(check);
      void exited.then(() => {
        if (listeners.has(check)) {
          listeners.delete(check);
          clearTimeout(timer);
          reject(new Error(`wrangler dev exited (${child.exitCode}):\n${output.slice(-2000)}`));
        }
      });
      check();
    });

  const stop = async () => {
    if (child.exitCode !== null || child.signalCode !== null || child.pid === undefined) return;
    process.kill(-child.pid, "SIGTERM");
    const force = setTimeout(() => child.pid !== undefined && process.kill(-child.pid, "SIGKILL"), 10_000);
    await exited;
    clearTimeout(force);
  };

  try {
    await waitForOutput(new RegExp(`Ready on ${base.replace(/[.]/g, "\\.")}`), 0, readyTimeoutMs);
  } catch (error) {
    await stop();
    throw error;
  }
  return { base, pid: child.pid!, readyMs: performance.now() - started, output: () => output, waitForOutput, stop };
}

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

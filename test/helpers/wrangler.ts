// Running the wrangler CLI from Node-side tests without it reaching any outside host.
import { spawn } from "node:child_process";
import { createServer } from "node:net";
import { fileURLToPath } from "node:url";

export const ROOT = fileURLToPath(new URL("../..", import.meta.url));

/** The project's wrangler, run with the current Node (no npx, no network look-up). */
export const WRANGLER_CLI = "node_modules/wrangler/bin/wrangler.js";

/** No metrics, no `Request.cf` download, no banner (whose update check asks the npm registry). */
export const OFFLINE_WRANGLER_ENV = {
  WRANGLER_SEND_METRICS: "false",
  CLOUDFLARE_CF_FETCH_ENABLED: "false",
  WRANGLER_HIDE_BANNER: "true",
  CI: "true",
};

/** Workers' memory limit per isolate, in MiB: the V8 heap cap the workerd test and measurement runs use. */
export const WORKERS_HEAP_LIMIT_MIB = 128;

/** Environment that makes miniflare start workerd with V8's heap capped at `mib` (past it, workerd aborts). */
export function heapLimitEnv(mib = WORKERS_HEAP_LIMIT_MIB): { MINIFLARE_WORKERD_V8_FLAGS: string } {
  return { MINIFLARE_WORKERD_V8_FLAGS: `--max-heap-size=${mib}` };
}

/** A port nobody listens on right now (on 127.0.0.1). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

export interface WranglerDev {
  /** e.g. http://127.0.0.1:41234 */
  base: string;
  /** wrangler's pid, also the process group of the workerd it starts (for measuring its memory). */
  pid: number;
  /** wrangler's DevTools inspector port (for reading the worker isolate's heap). */
  inspectorPort: number;
  /** ms from spawning wrangler to its "Ready on" line. */
  readyMs: number;
  /** Everything wrangler printed so far. */
  output(): string;
  /** Stops wrangler and its workerd (SIGTERM, then SIGKILL after 10 s). */
  stop(): Promise<void>;
}

export interface WranglerDevOptions {
  /** Default 120 s. */
  readyTimeoutMs?: number;
  /** Variables for wrangler and its workerd (e.g. MINIFLARE_WORKERD_V8_FLAGS). */
  env?: Record<string, string>;
  /** More command-line options (e.g. `--var CLASSIFY_TOKEN:…`). */
  args?: string[];
  /** The worker's directory (its wrangler.toml); default the project root. */
  cwd?: string;
}

/** `wrangler dev` as a user runs it, on free 127.0.0.1 ports; resolves once it says Ready. */
export async function startWranglerDev(options: WranglerDevOptions = {}): Promise<WranglerDev> {
  const { readyTimeoutMs = 120_000, env = {}, args = [], cwd = ROOT } = options;
  const [port, inspectorPort] = [await freePort(), await freePort()];
  const base = `http://127.0.0.1:${port}`;
  const started = performance.now();
  const server = spawn(
    process.execPath,
    [
      ROOT + WRANGLER_CLI, // absolute: cwd may be another worker directory
      "dev",
      "--ip", "127.0.0.1",
      "--port", String(port),
      "--inspector-port", String(inspectorPort),
      "--show-interactive-dev-session=false",
      ...args,
    ],
    {
      cwd,
      detached: true, // own process group, so stopping it also stops workerd
      stdio: ["ignore", "pipe", "pipe"],
      env: { ...process.env, ...OFFLINE_WRANGLER_ENV, ...env },
    },
  );
  let output = "";
  server.once("exit", (code, signal) => (output += `\n[wrangler dev exited: ${signal ?? `code ${code}`}]\n`));
  const stop = async () => {
    if (server.exitCode !== null || server.signalCode !== null || server.pid === undefined) return;
    const exited = new Promise((resolve) => server.once("exit", resolve));
    process.kill(-server.pid, "SIGTERM");
    const stillRunning = setTimeout(() => server.pid !== undefined && process.kill(-server.pid, "SIGKILL"), 10_000);
    await exited;
    clearTimeout(stillRunning);
  };
  const ready = new Promise<void>((resolve, reject) => {
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      if (output.includes(`Ready on ${base}`)) resolve();
    };
    server.stdout!.on("data", onData);
    server.stderr!.on("data", onData);
    server.once("exit", (code) => reject(new Error(`wrangler dev exited (${code}) before ready:\n${output}`)));
  });
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`wrangler dev not ready after ${readyTimeoutMs / 1000} s:\n${output}`)), readyTimeoutMs);
  });
  try {
    await Promise.race([ready, timeout]);
  } catch (err) {
    await stop();
    throw err;
  } finally {
    clearTimeout(timer);
  }
  return { base, pid: server.pid!, inspectorPort, readyMs: performance.now() - started, output: () => output, stop };
}

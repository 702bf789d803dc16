// `wrangler dev` as a user runs it: start on a free 127.0.0.1 port, upload a PNG exactly as
// `curl -F img=@file.png` does, check the answer, stop the server.
import { spawn, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { readFileSync } from "node:fs";
import { createServer } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { OFFLINE_WRANGLER_ENV, ROOT, WRANGLER_CLI } from "./helpers/wrangler.ts";

const FIXTURE = "digit-7-mnist-t10k-0000.png";

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

/** The body and header curl 8 sends for `-F img=@<name>`. */
function curlMultipart(field: string, filename: string, type: string, bytes: Buffer): { body: Buffer; contentType: string } {
  const boundary = `------------------------${randomBytes(8).toString("hex")}`;
  const head = `--${boundary}\r\nContent-Disposition: form-data; name="${field}"; filename="${filename}"\r\nContent-Type: ${type}\r\n\r\n`;
  return {
    body: Buffer.concat([Buffer.from(head), bytes, Buffer.from(`\r\n--${boundary}--\r\n`)]),
    contentType: `multipart/form-data; boundary=${boundary}`,
  };
}

let server: ChildProcess | undefined;
let base = "";
let output = "";

beforeAll(async () => {
  const [port, inspectorPort] = [await freePort(), await freePort()];
  base = `http://127.0.0.1:${port}`;
  server = spawn(
    process.execPath,
    [
      WRANGLER_CLI,
      "dev",
      "--ip", "127.0.0.1",
      "--port", String(port),
      "--inspector-port", String(inspectorPort),
      "--show-interactive-dev-session=false",
    ],
    {
      cwd: ROOT,
      detached: true, // own process group, so stopping it also stops workerd
      stdio: ["ignore", "pipe", "pipe"],
      env: { ...process.env, ...OFFLINE_WRANGLER_ENV },
    },
  );
  const ready = new Promise<void>((resolve, reject) => {
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      if (output.includes(`Ready on ${base}`)) resolve();
    };
    server!.stdout!.on("data", onData);
    server!.stderr!.on("data", onData);
    server!.once("exit", (code) => reject(new Error(`wrangler dev exited (${code}) before ready:\n${output}`)));
  });
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`wrangler dev not ready after 120 s:\n${output}`)), 120_000);
  });
  await Promise.race([ready, timeout]).finally(() => clearTimeout(timer));
}, 150_000);

afterAll(async () => {
  if (!server || server.exitCode !== null || server.pid === undefined) return;
  const exited = new Promise((resolve) => server!.once("exit", resolve));
  process.kill(-server.pid, "SIGTERM");
  const stillRunning = setTimeout(() => server?.pid !== undefined && process.kill(-server.pid, "SIGKILL"), 10_000);
  await exited;
  clearTimeout(stillRunning);
}, 30_000);

describe("wrangler dev", () => {
  it("classifies a PNG uploaded like curl -F img=@file.png", async () => {
    const { body, contentType } = curlMultipart("img", FIXTURE, "image/png", readFileSync(`${ROOT}test/fixtures/${FIXTURE}`));
    const res = await fetch(`${base}/classify`, {
      method: "POST",
      body: new Uint8Array(body),
      headers: { "content-type": contentType },
    });
    expect(res.status).toBe(200);
    const answer = (await res.json()) as { digit: number; confidence: number; probabilities: number[]; model: { sha: string } };
    expect(answer.digit).toBe(7);
    expect(answer.confidence).toBeGreaterThan(0.5);
    expect(answer.probabilities).toHaveLength(10);
    const card = JSON.parse(readFileSync(`${ROOT}model/mnist-mlp.json`, "utf8")) as { sha256: string };
    expect(answer.model.sha).toBe(card.sha256.slice(0, 12));
  });

  it("answers JSON errors over real HTTP", async () => {
    const res = await fetch(`${base}/classify`, { method: "POST", body: "hello", headers: { "content-type": "text/plain" } });
    expect(res.status).toBe(415);
    expect(await res.json()).toMatchObject({ error: "unsupported_media_type" });
  });
});

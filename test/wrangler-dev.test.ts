// `wrangler dev` as a user runs it: start on a free 127.0.0.1 port, upload a PNG exactly as
// `curl -F img=@file.png` does, check the answer, stop the server.
import { randomBytes } from "node:crypto";
import { readFileSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ROOT, startWranglerDev, type WranglerDev } from "./helpers/wrangler.ts";

const FIXTURE = "digit-7-mnist-t10k-0000.png";

/** The body and header curl 8 sends for `-F img=@<name>`. */
function curlMultipart(field: string, filename: string, type: string, bytes: Buffer): { body: Buffer; contentType: string } {
  const boundary = `------------------------${randomBytes(8).toString("hex")}`;
  const head = `--${boundary}\r\nContent-Disposition: form-data; name="${field}"; filename="${filename}"\r\nContent-Type: ${type}\r\n\r\n`;
  return {
    body: Buffer.concat([Buffer.from(head), bytes, Buffer.from(`\r\n--${boundary}--\r\n`)]),
    contentType: `multipart/form-data; boundary=${boundary}`,
  };
}

let dev: WranglerDev | undefined;
let base = "";

beforeAll(async () => {
  dev = await startWranglerDev();
  base = dev.base;
}, 150_000);

afterAll(() => dev?.stop(), 30_000);

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

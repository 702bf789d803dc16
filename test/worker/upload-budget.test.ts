// The isolate-wide cap on request-body bytes held at once: concurrent large uploads past it wait their turn (a
// declared size) or get 503 with Retry-After (no declared size, or waited too long) instead of taking the isolate
// past Workers' 128 MB; every request gives its share back.
import { describe, expect, it } from "vitest";
import { createApp } from "../../worker/app.ts";
import { MAX_BODY_BYTES, MAX_UPLOAD_BYTES_IN_FLIGHT } from "../../worker/limits.ts";
import { createUploadBudget, uploadBudget } from "../../worker/upload-budget.ts";
import { expectError, fixture } from "./helpers.ts";

describe("createUploadBudget", () => {
  it("refuses growth past the capacity with 503 server_busy, and frees a claim's bytes on release", () => {
    const budget = createUploadBudget(10);
    const a = budget.claim();
    const b = budget.claim();
    a.grow(6);
    expect(() => b.grow(5)).toThrow(expect.objectContaining({ status: 503, code: "server_busy", headers: { "retry-after": "1" } }));
    b.grow(4);
    expect(budget.inUse()).toBe(10);
    a.release();
    a.release(); // idempotent
    expect(budget.inUse()).toBe(4);
    b.grow(6);
    b.release();
    expect(budget.inUse()).toBe(0);
  });

  it("lets a request with a declared size wait its turn instead of refusing it, first come first served", async () => {
    const budget = createUploadBudget(10, 5_000);
    const holder = budget.claim();
    await holder.reserve(8);
    const first = budget.claim();
    const second = budget.claim();
    const admitted: string[] = [];
    const firstIn = first.reserve(6).then(() => admitted.push("first"));
    const secondIn = second.reserve(2).then(() => admitted.push("second")); // would fit now, but queues behind
    await new Promise((r) => setTimeout(r, 20));
    expect([admitted, budget.waiting(), budget.inUse()]).toEqual([[], 2, 8]);
    holder.release();
    await Promise.all([firstIn, secondIn]);
    expect(admitted).toEqual(["first", "second"]);
    expect(budget.inUse()).toBe(8);
    first.release();
    second.release();
    expect(budget.inUse()).toBe(0);
  });

  it("answers 503 server_busy to a request that waited longer than the queue limit, and forgets it", async () => {
    const budget = createUploadBudget(10, 50);
    const holder = budget.claim();
    await holder.reserve(10);
    const late = budget.claim();
    await expect(late.reserve(1)).rejects.toMatchObject({ status: 503, code: "server_busy", headers: { "retry-after": "1" } });
    late.release();
    expect([budget.waiting(), budget.inUse()]).toEqual([0, 10]);
    holder.release();
    expect(budget.inUse()).toBe(0);
  });

  it("is larger than the body limit, so one upload alone always fits", () => {
    expect(MAX_UPLOAD_BYTES_IN_FLIGHT).toBeGreaterThan(MAX_BODY_BYTES);
  });
});

describe("through the app", () => {
  /** A streamed body that sends `size` bytes (a PNG signature, then filler) and then waits until `finish` is called. */
  function heldBody(size: number) {
    let finish!: () => void;
    const finished = new Promise<void>((resolve) => (finish = resolve));
    let sent = false;
    const stream = new ReadableStream<Uint8Array>({
      async pull(controller) {
        if (!sent) {
          sent = true;
          const bytes = new Uint8Array(size).fill(0x41);
          bytes.set(fixture("digit-7-mnist-t10k-0000.png").subarray(0, 8));
          controller.enqueue(bytes);
          return;
        }
        await finished;
        controller.close();
      },
    });
    return { stream, finish };
  }

  it("answers 503 (undeclared size) or queues (declared size) while large uploads hold the budget, and leaks nothing", async () => {
    const app = createApp();
    const post = (body: BodyInit, headers: Record<string, string> = {}) =>
      app.request("/classify", { method: "POST", body, headers: { "content-type": "image/png", ...headers }, duplex: "half" } as RequestInit);
    const start = uploadBudget.inUse();
    const size = MAX_BODY_BYTES - 1024;
    const holders = Array.from({ length: Math.floor(MAX_UPLOAD_BYTES_IN_FLIGHT / size) }, () => heldBody(size));
    const pending = holders.map((h) => post(h.stream));
    for (let i = 0; i < 200 && uploadBudget.inUse() < start + holders.length * size; i++) await new Promise((r) => setTimeout(r, 10));
    expect(uploadBudget.inUse()).toBe(start + holders.length * size);

    const big = new Uint8Array(MAX_UPLOAD_BYTES_IN_FLIGHT - holders.length * size + 1);
    big.set(fixture("digit-7-mnist-t10k-0000.png"));
    const busy = await post(big);
    expect(busy.headers.get("retry-after")).toBe("1");
    await expectError(busy, 503, "server_busy");
    expect((await post(fixture("digit-7-mnist-t10k-0000.png"))).status).toBe(200); // small uploads still fit
    // The same upload with its size declared waits for room instead, and is answered once the holders are.
    const queued = post(big, { "content-length": String(big.length) });
    for (let i = 0; i < 200 && uploadBudget.waiting() === 0; i++) await new Promise((r) => setTimeout(r, 10));
    expect(uploadBudget.waiting()).toBe(1);

    holders.forEach((h) => h.finish());
    for (const res of await Promise.all(pending)) expect(res.status).toBe(422); // PNG signature, then filler
    expect((await queued).status).toBe(200);
    expect(uploadBudget.inUse()).toBe(start);
    expect((await post(big)).status).toBe(200);
    expect(uploadBudget.inUse()).toBe(start);
  });
});

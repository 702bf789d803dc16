// The per-isolate model session: shared creation, retry after failure (503 meanwhile), ORT really running in workerd.
import { describe, expect, it } from "vitest";
import { createApp } from "../../worker/app.ts";
import { bundledModel, createSessionCache, type ModelSession } from "../../worker/classifier.ts";
import { expectError, fixture, multipartUpload } from "./helpers.ts";

const digitPng = () => fixture("digit-7-mnist-t10k-0000.png");
const classifyWith = (app: ReturnType<typeof createApp>) =>
  app.request("/classify", { method: "POST", body: multipartUpload(digitPng()) });

describe("session cache", () => {
  it("concurrent first callers share one creation", async () => {
    let created = 0;
    const cache = createSessionCache(async () => {
      created++;
      await new Promise((resolve) => setTimeout(resolve, 20));
      return bundledModel.get();
    });
    expect(cache.isLoaded()).toBe(false);
    const sessions = await Promise.all([cache.get(), cache.get(), cache.get(), cache.get()]);
    expect(created).toBe(1);
    expect(new Set(sessions).size).toBe(1);
    expect(cache.isLoaded()).toBe(true);
    await cache.get();
    expect(created).toBe(1);
  });

  it("a failed creation is not kept: the next call tries again", async () => {
    let attempts = 0;
    const cache = createSessionCache(async () => {
      attempts++;
      if (attempts === 1) throw new Error("first attempt fails");
      return bundledModel.get();
    });
    await expect(cache.get()).rejects.toThrow("first attempt fails");
    expect(cache.isLoaded()).toBe(false);
    await expect(cache.get()).resolves.toBeDefined();
    expect(attempts).toBe(2);
  });
});

describe("model availability as seen by clients", () => {
  it("503 JSON while the session cannot be created, 200 once it can", async () => {
    let fail = true;
    const app = createApp({
      model: createSessionCache(async () => {
        if (fail) throw new Error("secret internal detail /srv/model.onnx");
        return bundledModel.get();
      }),
    });
    const health = (await (await app.request("/health")).json()) as { modelLoaded: boolean };
    expect(health.modelLoaded).toBe(false);

    const unavailable = await classifyWith(app);
    expect(unavailable.headers.get("retry-after")).toBe("5");
    const body = await expectError(unavailable, 503, "model_unavailable");
    expect(body.message).not.toContain("secret");

    fail = false;
    const ok = await classifyWith(app);
    expect(ok.status).toBe(200);
    expect(((await ok.json()) as { digit: number }).digit).toBe(7);
    expect(((await (await app.request("/health")).json()) as { modelLoaded: boolean }).modelLoaded).toBe(true);
  });

  it("an unexpected failure answers a generic 500 JSON without internals", async () => {
    const broken: ModelSession = {
      run: () => Promise.reject(new TypeError("Cannot read properties of undefined (reading 'data') at ort.js:1:2")),
    };
    const app = createApp({ model: createSessionCache(async () => broken) });
    const body = await expectError(await classifyWith(app), 500, "internal_error");
    expect(body.message).not.toMatch(/TypeError|ort\.js|undefined/);
  });
});

describe("onnxruntime-web in workerd", () => {
  it("runs the bundled model and leaves WebAssembly.instantiate as it found it", async () => {
    const instantiate = WebAssembly.instantiate;
    const session = await bundledModel.get();
    expect(WebAssembly.instantiate).toBe(instantiate);
    const { ort } = await import("../../worker/ort-runtime.ts");
    const input = new ort.Tensor("float32", new Float32Array(784), [1, 784]);
    const output = (await session.run({ image: input })).probabilities!;
    expect(output.dims).toEqual([1, 10]);
    const sum = Array.from(output.data as Float32Array).reduce((a, b) => a + b, 0);
    expect(sum).toBeCloseTo(1, 5);
  });

  it("overlapping initialisations also leave WebAssembly.instantiate as they found it", async () => {
    const { withOrtWasm } = await import("../../worker/ort-runtime.ts");
    const instantiate = WebAssembly.instantiate;
    const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
    let seenDuring: unknown;
    await Promise.all([
      withOrtWasm(async () => {
        await pause(10);
        seenDuring = WebAssembly.instantiate;
      }),
      withOrtWasm(() => pause(20)),
    ]);
    expect(seenDuring).not.toBe(instantiate);
    expect(WebAssembly.instantiate).toBe(instantiate);
  });
});

// Non-classification routes and the JSON answers for unknown routes/methods, through the worker entry in workerd.
import { describe, expect, inject, it } from "vitest";
import { call, expectError, fixture, postImage } from "./helpers.ts";

const card = inject("modelCard");

describe("GET /health", () => {
  it("answers ok with the model's name and short sha", async () => {
    const res = await call("/health");
    expect(res.status).toBe(200);
    const body = (await res.json()) as { status: string; model: { name: string; sha: string }; modelLoaded: boolean };
    expect(body.status).toBe("ok");
    expect(body.model).toEqual({ name: card.name, sha: card.sha256.slice(0, 12) });
    expect(typeof body.modelLoaded).toBe("boolean");
  });

  it("reports the WebAssembly memory ORT holds once a classification has run (what V8's heap figures leave out)", async () => {
    const digit = await postImage(fixture("digit-7-mnist-t10k-0000.png"));
    expect(digit.status).toBe(200);
    const body = (await (await call("/health")).json()) as { wasmMemoryBytes: number };
    // At least the model's weights (~2.6 MiB of float32) live in that memory; a multiple of the 64 KiB wasm page.
    expect(body.wasmMemoryBytes).toBeGreaterThan(2.5 * 2 ** 20);
    expect(body.wasmMemoryBytes % 65536).toBe(0);
  });

  it("answers HEAD without a body", async () => {
    const res = await call("/health", { method: "HEAD" });
    expect(res.status).toBe(200);
    expect(await res.text()).toBe("");
  });
});

describe("GET /model", () => {
  it("returns the card of model/, which names the sha256 of the bundled ONNX file", async () => {
    const res = await call("/model");
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual(card);
    expect(card.sha256).toBe(inject("modelOnnxSha256"));
  });
});

describe("GET /openapi.json", () => {
  it("describes every route, generated from the route definitions", async () => {
    const res = await call("/openapi.json");
    expect(res.status).toBe(200);
    const doc = (await res.json()) as {
      openapi: string;
      paths: Record<string, Record<string, { responses: Record<string, unknown>; requestBody?: { content: Record<string, unknown> } }>>;
    };
    expect(doc.openapi).toMatch(/^3\./);
    expect(Object.keys(doc.paths).sort()).toEqual(["/classify", "/health", "/model"]);
    const classify = doc.paths["/classify"]!.post!;
    expect(Object.keys(classify.responses).sort()).toEqual(["200", "400", "401", "413", "415", "422", "429", "503"]);
    expect(Object.keys(classify.requestBody!.content).sort()).toEqual([
      "application/octet-stream",
      "image/jpeg",
      "image/png",
      "multipart/form-data",
    ]);
    expect(doc.paths["/health"]!.get).toBeDefined();
    expect(doc.paths["/model"]!.get).toBeDefined();
  });
});

describe("unknown routes and methods", () => {
  it("404 JSON for an unknown path", async () => {
    const body = await expectError(await call("/predict", { method: "POST" }), 404, "not_found");
    expect(body.message).toContain("/classify");
  });

  it("405 JSON with Allow for a known path and a wrong method", async () => {
    const getClassify = await call("/classify");
    expect(getClassify.headers.get("allow")).toBe("POST");
    await expectError(getClassify, 405, "method_not_allowed");

    const deleteHealth = await call("/health", { method: "DELETE" });
    expect(deleteHealth.headers.get("allow")).toBe("GET, HEAD");
    await expectError(deleteHealth, 405, "method_not_allowed");

    await expectError(await call("/openapi.json", { method: "PUT" }), 405, "method_not_allowed");
  });
});

// POST /classify end to end in workerd: every digit fixture (label in its file name: <label>-… or
// digit-<label>-…) is uploaded like `curl -F img=@file` and must come back as its digit, well-formed.
import { decode as decodePng } from "fast-png";
import { describe, expect, inject, it } from "vitest";
import { call, fixture, fixtureNames, postImage } from "./helpers.ts";

interface Classification {
  digit: number;
  confidence: number;
  probabilities: number[];
  model: { name: string; sha: string };
  timings: { decode: number; preprocess: number; inference: number };
  debug?: { input: { width: number; height: number; png: string; pixels: number[] } };
}

/** Label from names like 7-ink-on-paper.png or digit-7-mnist-….png; undefined for other fixtures. */
function labelOf(name: string): number | undefined {
  const match = /^(?:digit[-_])?(\d)[-_.]/i.exec(name);
  return match ? Number(match[1]) : undefined;
}

const imageFixtures = fixtureNames().filter((name) => /\.(png|jpe?g)$/i.test(name));
const digitFixtures = imageFixtures.filter((name) => labelOf(name) !== undefined);

function expectWellFormed(body: Classification): void {
  expect(Number.isInteger(body.digit) && body.digit >= 0 && body.digit <= 9).toBe(true);
  expect(body.probabilities).toHaveLength(10);
  for (const p of body.probabilities) expect(p >= 0 && p <= 1).toBe(true);
  expect(body.probabilities.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 4);
  expect(body.confidence).toBe(body.probabilities[body.digit]);
  expect(Math.max(...body.probabilities)).toBe(body.confidence);
  const card = inject("modelCard");
  expect(body.model).toEqual({ name: card.name, sha: inject("modelOnnxSha256").slice(0, 12) });
  for (const stage of ["decode", "preprocess", "inference"] as const) {
    expect(body.timings[stage]).toBeGreaterThanOrEqual(0);
  }
}

describe("classification of the fixture uploads", () => {
  it("has digit fixtures to classify, and every PNG/JPEG fixture is either labelled or a bad-* input", () => {
    expect(digitFixtures.length).toBeGreaterThanOrEqual(10);
    expect(imageFixtures.filter((name) => labelOf(name) === undefined && !name.startsWith("bad-"))).toEqual([]);
  });

  it.each(digitFixtures)("%s", async (name) => {
    const res = await postImage(fixture(name), "", name);
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toMatch(/^application\/json/);
    const body = (await res.json()) as Classification;
    expectWellFormed(body);
    expect(body.digit, `probabilities ${body.probabilities.map((p) => p.toFixed(3)).join(" ")}`).toBe(labelOf(name));
    expect(body.debug).toBeUndefined();
  });
});

describe("request shapes", () => {
  const name = digitFixtures.find((n) => n.endsWith(".png"))!;
  const bytes = () => fixture(name);

  it("accepts a raw body with an image content type", async () => {
    const res = await call("/classify", { method: "POST", body: bytes(), headers: { "content-type": "image/png" } });
    expect(res.status).toBe(200);
    expect(((await res.json()) as Classification).digit).toBe(labelOf(name));
  });

  it("recognises the format by its bytes, not the file name or declared type", async () => {
    const form = new FormData();
    form.append("img", new File([bytes()], "photo.jpg", { type: "image/jpeg" }));
    const res = await call("/classify", { method: "POST", body: form });
    expect(res.status).toBe(200);
    expect(((await res.json()) as Classification).digit).toBe(labelOf(name));
  });

  it("answers the same for the same image (the session is reused)", async () => {
    const first = (await (await postImage(bytes())).json()) as Classification;
    const second = (await (await postImage(bytes())).json()) as Classification;
    expect(second.probabilities).toEqual(first.probabilities);
  });

  it("handles concurrent requests", async () => {
    const answers = await Promise.all(Array.from({ length: 8 }, () => postImage(bytes())));
    for (const res of answers) {
      expect(res.status).toBe(200);
      expect(((await res.json()) as Classification).digit).toBe(labelOf(name));
    }
  });

  it("?debug=1 adds the 28×28 input the model saw, as PNG and as values", async () => {
    const res = await postImage(bytes(), "?debug=1");
    expect(res.status).toBe(200);
    const body = (await res.json()) as Classification;
    expectWellFormed(body);
    const input = body.debug!.input;
    expect([input.width, input.height]).toEqual([28, 28]);
    expect(input.pixels).toHaveLength(784);
    for (const v of input.pixels) expect(v >= 0 && v <= 1).toBe(true);
    expect(Math.max(...input.pixels)).toBeGreaterThan(0.5); // there is ink …
    expect(input.pixels[0]).toBe(0); // … on a black background (MNIST convention)

    expect(input.png).toMatch(/^data:image\/png;base64,/);
    const png = decodePng(Uint8Array.from(atob(input.png.split(",")[1]!), (c) => c.charCodeAt(0)));
    expect([png.width, png.height, png.channels]).toEqual([28, 28, 1]);
    png.data.forEach((grey, i) => expect(Math.abs(grey - input.pixels[i]! * 255)).toBeLessThanOrEqual(1));
  });
});

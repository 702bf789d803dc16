// CI smoke run of scripts/load-test.ts (its --quick size): `wrangler dev` under a few seconds of mixed good and
// bad uploads at 32 connections plus a one-client flood. Every answer must be one its request kind allows (no
// 5xx; well-formed JSON), no connection may fail, the worker's
// memory must stay under Workers' 128 MB and return to where it started, and wrangler's build must have run the
// model check.
import { afterAll, expect, it } from "vitest";
import { runLoadTest, type LoadTestResult } from "../scripts/load-test.ts";

let result: LoadTestResult | undefined;

afterAll(() => {
  if (result) console.log(JSON.stringify({ requests: result.requests, latencyMs: result.latencyMs, isolate: result.isolate, rss: result.rss, kinds: result.kinds.map((k) => [k.name, k.statuses]) }));
});

it("answers a quick mixed load with only the statuses each request kind allows", async () => {
  result = await runLoadTest({ durationS: 5, connections: 32 });
  expect(result.modelCheckRan).toBe(true);
  expect(result.requests).toBeGreaterThan(0);
  expect(result.connectionErrors).toBe(0);
  expect(result.timeouts).toBe(0);
  for (const kind of result.kinds) {
    const statuses = Object.keys(kind.statuses).map(Number);
    // No kind may get a 5xx: large bodies wait for the upload budget instead of being refused.
    expect(kind.expected.filter((s) => s >= 500), kind.name).toEqual([]);
    expect(statuses.filter((s) => !kind.expected.includes(s)), kind.name).toEqual([]);
    expect(kind.malformedBodies, kind.name).toBe(0);
  }
  const answered = result.kinds.filter((k) => Object.keys(k.statuses).length > 0).length;
  expect(answered).toBeGreaterThanOrEqual(result.kinds.length / 2); // the mix really was mixed
  expect(result.rss.start).toBeGreaterThan(0); // workerd was found and measured
  // workerd ran with V8's heap limit at Workers' 128 MB (no abort: no connection error above). What the isolate
  // holds after a full collection (JS heap + ArrayBuffers + ORT's wasm memory) stays well under it, and the load
  // leaves nothing behind: after the run it is back within a few MiB of where it started.
  expect(result.isolate.heapLimitMiB).toBe(128);
  expect(result.isolate.live.samples).toBeGreaterThanOrEqual(2);
  expect(result.isolate.wasm.start).toBeGreaterThan(0);
  expect(result.isolate.live.max).toBeLessThan(128 * 2 ** 20);
  expect(result.isolate.live.end - result.isolate.live.start).toBeLessThan(8 * 2 ** 20);
}, 240_000);

// Shared helpers for the workerd tests: fixtures, requests to the real worker entry, multipart bodies.
import { exports } from "cloudflare:workers";
import { expect, inject } from "vitest";

const BASE = "http://digits.test";

export function fixtureNames(): string[] {
  return Object.keys(inject("fixtures")).sort();
}

export function fixture(name: string): Uint8Array {
  const base64 = inject("fixtures")[name];
  if (base64 === undefined) throw new Error(`no fixture ${name} in test/fixtures`);
  return Uint8Array.from(atob(base64), (c) => c.charCodeAt(0));
}

/** A request through the worker's real entry point (exports.default.fetch), as the runtime would deliver it. */
export function call(path: string, init?: RequestInit): Promise<Response> {
  return exports.default.fetch(new Request(BASE + path, init));
}

/** multipart/form-data exactly as `curl -F img=@<name>` builds it: a file part with filename and type. */
export function multipartUpload(bytes: Uint8Array, filename = "digit.png", field = "img", type = "image/png"): FormData {
  const form = new FormData();
  form.append(field, new File([bytes], filename, { type }));
  return form;
}

export function postImage(bytes: Uint8Array, query = "", filename?: string): Promise<Response> {
  return call(`/classify${query}`, { method: "POST", body: multipartUpload(bytes, filename) });
}

export interface ErrorJson {
  error: string;
  message: string;
}

export async function expectError(res: Response, status: number, code: string): Promise<ErrorJson> {
  expect(res.headers.get("content-type")).toMatch(/^application\/json/);
  const body = (await res.json()) as ErrorJson;
  expect({ status: res.status, error: body.error }).toEqual({ status, error: code });
  expect(Object.keys(body).sort()).toEqual(["error", "message"]);
  expect(body.message.length).toBeGreaterThan(20);
  expect(body.message).not.toMatch(/\bat .+:\d+:\d+/); // no stack trace
  return body;
}

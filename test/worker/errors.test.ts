// Every client error answers JSON { error, message } with the right status, from real bad inputs.
import { describe, expect, it } from "vitest";
import { MAX_BODY_BYTES } from "../../worker/limits.ts";
import { call, expectError, fixture, multipartUpload, postImage } from "./helpers.ts";

const post = (init: RequestInit) => call("/classify", { method: "POST", ...init });

/** A stream of `total` bytes in 64 KiB chunks, without a Content-Length. */
function streamOf(total: number): ReadableStream<Uint8Array> {
  let sent = 0;
  return new ReadableStream({
    pull(controller) {
      const size = Math.min(65536, total - sent);
      if (size <= 0) return controller.close();
      controller.enqueue(new Uint8Array(size).fill(0x41));
      sent += size;
    },
  });
}

describe("400: no usable image in the request", () => {
  it("multipart without an img field says which fields it got", async () => {
    const body = await expectError(
      await post({ body: multipartUpload(fixture("digit-7-mnist-t10k-0000.png"), "digit.png", "image") }),
      400,
      "missing_image",
    );
    expect(body.message).toContain('"image"');
    expect(body.message).toContain("img=@");
  });

  it("img sent as a text field instead of a file", async () => {
    const form = new FormData();
    form.append("img", "digit.png");
    await expectError(await post({ body: form }), 400, "missing_image");
  });

  it("POST without any body", async () => {
    await expectError(await post({}), 400, "missing_image");
  });

  it("empty file", async () => {
    await expectError(await postImage(new Uint8Array(0), "", "empty.png"), 400, "empty_image");
  });

  it("empty raw body", async () => {
    await expectError(await post({ body: new Uint8Array(0), headers: { "content-type": "image/png" } }), 400, "empty_image");
  });

  it("malformed multipart: garbage under a multipart content type", async () => {
    await expectError(
      await post({ body: "this is not multipart", headers: { "content-type": "multipart/form-data; boundary=XYZ" } }),
      400,
      "malformed_multipart",
    );
  });

  it("malformed multipart: no boundary", async () => {
    await expectError(
      await post({ body: "--x\r\n\r\n", headers: { "content-type": "multipart/form-data" } }),
      400,
      "malformed_multipart",
    );
  });

  it("malformed multipart: body cut off before the closing boundary", async () => {
    const complete = new Request("http://x", { method: "POST", body: multipartUpload(fixture("digit-7-mnist-t10k-0000.png")) });
    const body = new Uint8Array(await complete.arrayBuffer());
    await expectError(
      await post({ body: body.subarray(0, body.length - 60), headers: { "content-type": complete.headers.get("content-type")! } }),
      400,
      "malformed_multipart",
    );
  });

  it("an invalid debug parameter", async () => {
    await expectError(await postImage(fixture("digit-7-mnist-t10k-0000.png"), "?debug=yes"), 400, "invalid_query");
  });
});

describe("413: too large", () => {
  it("body over the limit, declared by Content-Length", async () => {
    const big = new Uint8Array(MAX_BODY_BYTES + 1);
    big.set(fixture("digit-7-mnist-t10k-0000.png"));
    const body = await expectError(await post({ body: big, headers: { "content-type": "image/png" } }), 413, "body_too_large");
    expect(body.message).toContain("5 MiB");
  });

  it("Content-Length over the limit is refused before the body is read", async () => {
    // A body that never delivers a byte: reading it would hang this test instead of answering.
    const unreadable = new ReadableStream<Uint8Array>({ pull: () => new Promise<void>(() => {}) });
    const res = await post({
      body: unreadable,
      headers: { "content-type": "image/png", "content-length": String(MAX_BODY_BYTES + 1) },
      duplex: "half",
    } as RequestInit);
    await expectError(res, 413, "body_too_large");
  });

  it("body over the limit without Content-Length (streamed): the real size is checked too", async () => {
    const res = await post({ body: streamOf(MAX_BODY_BYTES + 100_000), headers: { "content-type": "image/png" }, duplex: "half" } as RequestInit);
    await expectError(res, 413, "body_too_large");
  });

  it("multipart upload of a file over the limit", async () => {
    await expectError(await postImage(new Uint8Array(MAX_BODY_BYTES + 1).fill(7), "", "huge.png"), 413, "body_too_large");
  });

  it("a body just under the limit is read (and then judged on its content)", async () => {
    const res = await post({ body: streamOf(MAX_BODY_BYTES - 1000), headers: { "content-type": "image/png" }, duplex: "half" } as RequestInit);
    await expectError(res, 415, "unsupported_image_format");
  });

  it.each(["bad-header-20000x20000.png", "bad-header-20000x20000.jpg"])(
    "small %s claiming 20000×20000 is refused from its header",
    async (name) => {
      expect(fixture(name).length).toBeLessThan(2000);
      const body = await expectError(await postImage(fixture(name), "", name), 413, "image_too_large");
      expect(body.message).toContain("20000×20000");
    },
  );
});

describe("415: not PNG or JPEG", () => {
  it.each([
    ["bad-gif-digit.gif", /GIF/],
    ["bad-svg-digit.svg", /SVG/],
    ["bad-text.txt", /text/],
  ])("%s", async (name, mentions) => {
    const body = await expectError(await postImage(fixture(name), "", name), 415, "unsupported_image_format");
    expect(body.message).toMatch(mentions);
    expect(body.message).toContain("PNG or JPEG");
  });

  it("a GIF named .png and declared image/png is still refused (magic bytes decide)", async () => {
    await expectError(await postImage(fixture("bad-gif-digit.gif"), "", "digit.png"), 415, "unsupported_image_format");
  });

  it("curl --data-binary @digit.png (sent as a url-encoded form) is told how to send the file", async () => {
    const body = await expectError(
      await post({ body: fixture("digit-7-mnist-t10k-0000.png"), headers: { "content-type": "application/x-www-form-urlencoded" } }),
      415,
      "unsupported_media_type",
    );
    expect(body.message).toContain("-F img=@");
  });

  it("a raw body without any content type", async () => {
    await expectError(await post({ body: fixture("digit-7-mnist-t10k-0000.png") }), 415, "unsupported_media_type");
  });

  it("a raw body with a non-image content type", async () => {
    await expectError(await post({ body: "7", headers: { "content-type": "text/plain" } }), 415, "unsupported_media_type");
    await expectError(
      await post({ body: JSON.stringify({ img: "..." }), headers: { "content-type": "application/json" } }),
      415,
      "unsupported_media_type",
    );
  });
});

describe("422: an image, but not a usable one", () => {
  it.each(["bad-truncated.png", "bad-truncated.jpg"])("truncated %s", async (name) => {
    const body = await expectError(await postImage(fixture(name), "", name), 422, "undecodable_image");
    expect(body.message).toMatch(/truncated or corrupt/);
  });

  it("a PNG with a corrupted data chunk (CRC mismatch)", async () => {
    const png = fixture("digit-7-mnist-t10k-0000.png").slice();
    png[png.length - 30] ^= 0xff; // inside the IDAT payload
    await expectError(await postImage(png), 422, "undecodable_image");
  });

  it("only a PNG signature", async () => {
    await expectError(await postImage(fixture("digit-7-mnist-t10k-0000.png").subarray(0, 8)), 422, "undecodable_image");
  });

  it("a blank image: no digit found", async () => {
    const body = await expectError(await postImage(fixture("bad-blank-white.png")), 422, "no_digit_found");
    expect(body.message).toMatch(/no digit found/i);
  });
});

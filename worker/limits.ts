// Documented request limits (also stated in the OpenAPI description and error messages).

/** Largest accepted request body: 5 MiB. */
export const MAX_BODY_BYTES = 5 * 1024 * 1024;

/** Largest accepted image side in pixels, read from the file header before any pixel is decoded. */
export const MAX_IMAGE_SIDE = 4096;

/**
 * Largest accepted pixel count (also from the header): 4 Mpx, e.g. 2048×2048.
 * Images are decoded in memory inside a 128 MB isolate; measured in Node, a 12 Mpx 16-bit RGBA PNG needs
 * ~200 MB and a 12 Mpx JPEG ~140 MB to decode, a 4 Mpx one about a third of that.
 */
export const MAX_IMAGE_PIXELS = 4 * 1024 * 1024;

/** Ceiling handed to jpeg-js for its own allocations, so a hostile JPEG fails cleanly instead of exhausting memory. */
export const MAX_JPEG_DECODER_MEMORY_MB = 96;

/**
 * Most scans accepted in a JPEG. Baseline files have one scan per component, progressive encoders write about
 * 10; each scan costs a pass over the whole image, so the count bounds the decoding time.
 */
export const MAX_JPEG_SCANS = 100;

/**
 * Most request-body bytes one isolate holds at once, over all requests in flight (upload-budget.ts). A multipart
 * upload is held up to ~4 times (body, parsed form, file copy) until answered. Measured under wrangler dev
 * (`npm run load-test -- --only "4.7 MiB" --duration 10`: 32 clients sending 4.9 MB multipart uploads), the
 * isolate's JS heap + ArrayBuffers, garbage included, peaked at 380 MiB without a cap, 122 MiB with a 16 MiB cap
 * and 104 MiB with 8 MiB. Larger than MAX_BODY_BYTES, so a lone upload always fits; a digit needs a few KiB.
 */
export const MAX_UPLOAD_BYTES_IN_FLIGHT = 8 * 1024 * 1024;

/**
 * Longest a request with a declared size waits for room in the upload budget before it gets 503 server_busy.
 * Its body waits unread meanwhile; answers under load take well under a second (load test p99 ~1.5 s).
 */
export const MAX_UPLOAD_QUEUE_MS = 10_000;

export const MIB = 1024 * 1024;

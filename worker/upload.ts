// Gets the uploaded image bytes out of a request: multipart field `img` (as `curl -F img=@digit.png` sends)
// or a raw body with an image content type. Enforces the body size limit before and while reading.
import { ApiError } from "./errors.ts";
import { MAX_BODY_BYTES, MIB } from "./limits.ts";
import type { UploadClaim } from "./upload-budget.ts";

export const IMAGE_FIELD = "img";

const HOW_TO_SEND = `Send the image as multipart/form-data field "${IMAGE_FIELD}" (curl -F ${IMAGE_FIELD}=@digit.png), or as a raw body with Content-Type image/png or image/jpeg.`;

function tooLarge(): ApiError {
  return new ApiError(
    413,
    "body_too_large",
    `The request body is larger than ${MAX_BODY_BYTES / MIB} MiB. Send a smaller image (a digit needs only a few KiB).`,
  );
}

/**
 * Reads the body, refusing it as soon as it passes the limit, whatever Content-Length said, and counting what it
 * holds against the isolate's upload budget (`claimed` bytes are already counted).
 */
async function readBodyWithLimit(body: ReadableStream<Uint8Array>, limit: number, claim: UploadClaim | undefined, claimed: number): Promise<Uint8Array> {
  const chunks: Uint8Array[] = [];
  let size = 0;
  const reader = body.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > limit) {
      await reader.cancel().catch(() => {});
      throw tooLarge();
    }
    if (size > claimed) {
      try {
        claim?.grow(size - claimed);
      } catch (err) {
        await reader.cancel().catch(() => {});
        throw err;
      }
      claimed = size;
    }
    chunks.push(value);
  }
  const bytes = new Uint8Array(size);
  let offset = 0;
  for (const chunk of chunks) {
    bytes.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return bytes;
}

function mediaType(request: Request): string {
  return (request.headers.get("content-type") ?? "").split(";")[0]!.trim().toLowerCase();
}

async function imageFromMultipart(request: Request, body: Uint8Array): Promise<Uint8Array> {
  let form: FormData;
  try {
    // Parse the bytes already read (and size-checked) with the runtime's own multipart parser.
    form = await new Response(body, { headers: { "content-type": request.headers.get("content-type")! } }).formData();
  } catch {
    throw new ApiError(400, "malformed_multipart", `The multipart/form-data body could not be parsed. ${HOW_TO_SEND}`);
  }
  const field = form.get(IMAGE_FIELD);
  if (field === null) {
    const names = [...new Set(form.keys())];
    const seen = names.length > 0 ? ` (received fields: ${names.map((n) => JSON.stringify(n)).join(", ")})` : "";
    throw new ApiError(400, "missing_image", `No "${IMAGE_FIELD}" field in the form${seen}. ${HOW_TO_SEND}`);
  }
  if (typeof field === "string") {
    throw new ApiError(
      400,
      "missing_image",
      `The "${IMAGE_FIELD}" field is text, not a file. Attach the file itself: curl -F ${IMAGE_FIELD}=@digit.png`,
    );
  }
  return new Uint8Array(await field.arrayBuffer());
}

/**
 * The uploaded image file's bytes (not yet checked to be an image). With a `claim`, the body's bytes count against
 * the isolate's upload budget (a declared Content-Length is reserved before reading, waiting for room if need be);
 * the caller releases it once answered.
 */
export async function readUploadedImage(request: Request, claim?: UploadClaim): Promise<Uint8Array> {
  const declared = request.headers.get("content-length");
  if (declared !== null && Number(declared) > MAX_BODY_BYTES) throw tooLarge();

  const type = mediaType(request);
  const isMultipart = type === "multipart/form-data";
  const isRaw = type.startsWith("image/") || type === "application/octet-stream";
  if (type !== "" && !isMultipart && !isRaw) {
    throw new ApiError(415, "unsupported_media_type", `Content-Type ${type} is not accepted. ${HOW_TO_SEND}`);
  }

  let claimed = 0;
  const declaredBytes = Number(declared);
  if (request.body && declared !== null && Number.isSafeInteger(declaredBytes) && declaredBytes > 0) {
    await claim?.reserve(declaredBytes);
    claimed = declaredBytes;
  }
  const body = request.body ? await readBodyWithLimit(request.body, MAX_BODY_BYTES, claim, claimed) : new Uint8Array(0);
  if (type === "") {
    if (body.byteLength === 0) throw new ApiError(400, "missing_image", `The request has no body. ${HOW_TO_SEND}`);
    throw new ApiError(415, "unsupported_media_type", `The request has no Content-Type. ${HOW_TO_SEND}`);
  }

  const image = isMultipart ? await imageFromMultipart(request, body) : body;
  if (image.byteLength === 0) {
    throw new ApiError(400, "empty_image", `The uploaded image is empty (0 bytes). ${HOW_TO_SEND}`);
  }
  return image;
}

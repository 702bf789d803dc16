// Uploaded bytes -> RGBA 8-bit image. The format comes from magic bytes only; dimensions are checked from
// the header (image-size) before any pixel is decoded.
import { decode as decodePng } from "fast-png";
import { imageSize } from "image-size";
import jpeg from "jpeg-js";
import { ApiError } from "./errors.ts";
import { countJpegScans } from "./jpeg-guard.ts";
import { MAX_IMAGE_PIXELS, MAX_IMAGE_SIDE, MAX_JPEG_DECODER_MEMORY_MB, MAX_JPEG_SCANS } from "./limits.ts";
import { guardPng } from "./png-guard.ts";
import { pngToRgba } from "./png-to-rgba.ts";
import type { RgbaImage } from "./preprocess.ts";

export type ImageFormat = "png" | "jpeg";

const PNG_SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];
const JPEG_SIGNATURE = [0xff, 0xd8, 0xff];

function startsWith(bytes: Uint8Array, signature: number[]): boolean {
  return bytes.length >= signature.length && signature.every((b, i) => bytes[i] === b);
}

export function sniffFormat(bytes: Uint8Array): ImageFormat | undefined {
  if (startsWith(bytes, PNG_SIGNATURE)) return "png";
  if (startsWith(bytes, JPEG_SIGNATURE)) return "jpeg";
  return undefined;
}

/** Best-effort name of what was sent instead of PNG/JPEG, only for the error message. */
function describeOtherFormat(bytes: Uint8Array): string {
  try {
    const type = imageSize(bytes).type;
    if (type) return `${type.toUpperCase()} image`;
  } catch {
    // not an image format image-size knows
  }
  const head = new TextDecoder().decode(bytes.subarray(0, 256)).trimStart();
  if (head.startsWith("<")) return "markup (HTML/XML/SVG)";
  if (/^[\x09\x0a\x0d\x20-\x7e]*$/.test(head)) return "text";
  return "unrecognised";
}

function unsupported(bytes: Uint8Array): ApiError {
  return new ApiError(
    415,
    "unsupported_image_format",
    `The upload is not a PNG or JPEG image (detected: ${describeOtherFormat(bytes)}). Send a PNG or JPEG image of the digit.`,
  );
}

function undecodable(format: ImageFormat, detail: string): ApiError {
  const name = format === "png" ? "PNG" : "JPEG";
  return new ApiError(
    422,
    "undecodable_image",
    `The ${name} file could not be decoded (${detail}); it may be truncated or corrupt. Send a complete, valid PNG or JPEG.`,
  );
}

function reason(err: unknown): string {
  const text = err instanceof Error ? err.message : String(err);
  return text.length > 120 ? `${text.slice(0, 117)}...` : text || "unknown error";
}

/** Throws 413 when the header declares more pixels than the documented limits, 422 when there is no usable header. */
export function checkDeclaredSize(bytes: Uint8Array, format: ImageFormat): { width: number; height: number } {
  let width: number | undefined, height: number | undefined;
  try {
    ({ width, height } = imageSize(bytes));
  } catch (err) {
    throw undecodable(format, `no readable header: ${reason(err)}`);
  }
  if (!width || !height) throw undecodable(format, "the header declares no size");
  if (width > MAX_IMAGE_SIDE || height > MAX_IMAGE_SIDE || width * height > MAX_IMAGE_PIXELS) {
    throw new ApiError(
      413,
      "image_too_large",
      `The image declares ${width}×${height} pixels; the limit is ${MAX_IMAGE_SIDE} pixels per side and ` +
        `${MAX_IMAGE_PIXELS / (1024 * 1024)} Mpx in total. Scale it down (28×28 is enough) and send it again.`,
    );
  }
  return { width, height };
}

/**
 * fast-png 8.0.0 de-interlaces Adam7 images as if every sample filled a whole byte, which garbles interlaced
 * PNGs of 1, 2 or 4 bits per sample; those are refused rather than classified from garbage. The IHDR chunk
 * always comes first: bit depth at byte 24, interlace method at byte 28.
 */
function refuseUnsupportedPng(bytes: Uint8Array): void {
  const depth = bytes[24]!;
  const interlaced = bytes[28] === 1;
  if (interlaced && depth < 8) {
    throw new ApiError(
      422,
      "undecodable_image",
      `Interlaced PNGs with ${depth}-bit samples are not supported. Save the image without interlacing (or with 8-bit samples) and send it again.`,
    );
  }
}

function refuseUnsupportedJpeg(bytes: Uint8Array): void {
  const scans = countJpegScans(bytes);
  if (scans > MAX_JPEG_SCANS) {
    throw new ApiError(
      422,
      "undecodable_image",
      `The JPEG has ${scans} scans; at most ${MAX_JPEG_SCANS} are accepted. Save it as a baseline (or ordinary progressive) JPEG and send it again.`,
    );
  }
}

function decodePixels(bytes: Uint8Array, format: ImageFormat): RgbaImage {
  // guardPng bounds the inflated size and drops the chunks the decoder need not read.
  if (format === "png") return pngToRgba(decodePng(guardPng(bytes).png, { checkCrc: true }));
  const decoded = jpeg.decode(bytes, {
    useTArray: true,
    formatAsRGBA: true,
    tolerantDecoding: false,
    maxResolutionInMP: MAX_IMAGE_PIXELS / 1e6,
    maxMemoryUsageInMB: MAX_JPEG_DECODER_MEMORY_MB,
  });
  return { width: decoded.width, height: decoded.height, data: decoded.data };
}

/** Sniffs, checks the declared size, then decodes to RGBA 8-bit. */
export function decodeImage(bytes: Uint8Array): RgbaImage & { format: ImageFormat } {
  const format = sniffFormat(bytes);
  if (!format) throw unsupported(bytes);
  const declared = checkDeclaredSize(bytes, format);
  if (format === "png") refuseUnsupportedPng(bytes);
  else refuseUnsupportedJpeg(bytes);
  let image: RgbaImage;
  try {
    image = decodePixels(bytes, format);
  } catch (err) {
    throw undecodable(format, reason(err));
  }
  if (image.width !== declared.width || image.height !== declared.height) {
    throw undecodable(format, "decoded size differs from the header");
  }
  return { ...image, format };
}

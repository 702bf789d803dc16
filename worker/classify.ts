// The classification pipeline for one upload: decode -> shared preprocessing -> model, with timings.
import { loadModel, predict, type SessionCache } from "./classifier.ts";
import { debugInput, type DebugInput } from "./debug-image.ts";
import { decodeImage } from "./decode.ts";
import { ApiError } from "./errors.ts";
import { modelId } from "./model-assets.ts";
import { NoDigitError, toMnistInput } from "./preprocess.ts";

export interface Classification {
  digit: number;
  confidence: number;
  probabilities: number[];
  model: { name: string; sha: string };
  timings: { decode: number; preprocess: number; inference: number };
  debug?: { input: DebugInput };
}

// Note: in deployed Workers the clock only advances across I/O, so CPU-only spans may read 0 there.
const elapsed = (since: number) => Math.round((performance.now() - since) * 100) / 100;

function preprocess(image: Parameters<typeof toMnistInput>[0]): Float32Array {
  try {
    return toMnistInput(image);
  } catch (err) {
    if (err instanceof NoDigitError) {
      throw new ApiError(
        422,
        "no_digit_found",
        "No digit found: the image has no ink that stands out from its background. Send a photo or drawing of one digit, dark on light or light on dark.",
      );
    }
    throw err;
  }
}

/**
 * Decoding and preprocessing, synchronous and in their own scope: the decoded pixels (up to 16 MB for a 4 Mpx
 * image) are garbage once this returns, so nothing keeps them while the request awaits the model.
 */
function modelInput(bytes: Uint8Array): { input: Float32Array; decode: number; preprocess: number } {
  let t = performance.now();
  const image = decodeImage(bytes);
  const decode = elapsed(t);
  t = performance.now();
  const input = preprocess(image);
  return { input, decode, preprocess: elapsed(t) };
}

export async function classifyImage(
  bytes: Uint8Array,
  options: { debug: boolean; model: SessionCache },
): Promise<Classification> {
  const { input, decode, preprocess: preprocessMs } = modelInput(bytes);

  const session = await loadModel(options.model); // not timed: only the first request of an isolate waits here
  const t = performance.now();
  const probabilities = await predict(session, input);
  const inference = elapsed(t);

  let digit = 0;
  for (let d = 1; d < probabilities.length; d++) if (probabilities[d]! > probabilities[digit]!) digit = d;
  const result: Classification = {
    digit,
    confidence: probabilities[digit]!,
    probabilities: Array.from(probabilities),
    model: modelId,
    timings: { decode, preprocess: preprocessMs, inference },
  };
  if (options.debug) result.debug = { input: debugInput(input) };
  return result;
}

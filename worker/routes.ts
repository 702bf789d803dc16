// Route definitions: the single source for both request handling and the OpenAPI description.
import { createRoute, z } from "@hono/zod-openapi";
import { MAX_BODY_BYTES, MAX_IMAGE_PIXELS, MAX_IMAGE_SIDE, MIB } from "./limits.ts";
import { IMAGE_FIELD } from "./upload.ts";

const ErrorSchema = z
  .object({
    error: z.string().openapi({ example: "no_digit_found", description: "Machine-readable error code." }),
    message: z.string().openapi({ description: "What is wrong and what to send instead." }),
  })
  .openapi("Error");

const ModelIdSchema = z.object({
  name: z.string(),
  sha: z.string().openapi({ description: "First 12 hex digits of the ONNX file's sha256 (from the model card)." }),
});

const DebugInputSchema = z.object({
  width: z.literal(28),
  height: z.literal(28),
  png: z.string().openapi({ description: "data:image/png;base64 of the 28×28 input, white ink on black." }),
  pixels: z.array(z.number().min(0).max(1)).length(784).openapi({ description: "The 784 model inputs, row-major." }),
});

export const ClassificationSchema = z
  .object({
    digit: z.number().int().min(0).max(9),
    confidence: z.number().min(0).max(1).openapi({ description: "Probability of `digit`." }),
    probabilities: z.array(z.number().min(0).max(1)).length(10).openapi({ description: "One per digit 0–9, summing to 1." }),
    model: ModelIdSchema,
    timings: z
      .object({ decode: z.number(), preprocess: z.number(), inference: z.number() })
      .openapi({ description: "Milliseconds spent in each stage of this request." }),
    debug: z.object({ input: DebugInputSchema }).optional().openapi({ description: "Only with ?debug=1." }),
  })
  .openapi("Classification");

const errorResponse = (description: string) => ({
  description,
  content: { "application/json": { schema: ErrorSchema } },
});

const binaryImage = { schema: { type: "string" as const, format: "binary" } };

export const classifyRoute = createRoute({
  method: "post",
  path: "/classify",
  summary: "Recognise one handwritten digit",
  // Open unless the deployment sets the CLASSIFY_TOKEN secret; then a Bearer token is required.
  security: [{}, { bearerAuth: [] }] as Array<Record<string, string[]>>,
  description:
    `Upload a PNG or JPEG (recognised by its bytes, not its name or declared type) as multipart field ` +
    `"${IMAGE_FIELD}" (curl -F ${IMAGE_FIELD}=@digit.png) or as the raw body. Limits: body ≤ ${MAX_BODY_BYTES / MIB} MiB; ` +
    `image ≤ ${MAX_IMAGE_SIDE} px per side and ≤ ${MAX_IMAGE_PIXELS / MIB} Mpx, checked from the header before decoding.`,
  request: {
    query: z.object({
      debug: z
        .enum(["0", "1", "true", "false"])
        .optional()
        .openapi({ description: "1 adds the 28×28 image the model saw." }),
    }),
    body: {
      required: true,
      content: {
        // Plain OpenAPI schemas: documented here, parsed by the handler (which owns limits and error codes).
        "multipart/form-data": {
          schema: {
            type: "object",
            required: [IMAGE_FIELD],
            properties: { [IMAGE_FIELD]: { type: "string", format: "binary", description: "PNG or JPEG file" } },
          },
        },
        "image/png": binaryImage,
        "image/jpeg": binaryImage,
        "application/octet-stream": binaryImage,
      },
    },
  },
  responses: {
    200: { description: "The digit", content: { "application/json": { schema: ClassificationSchema } } },
    400: errorResponse("No image: missing field, empty file, malformed multipart, bad query, or an Authorization header that is not 'Bearer <token>'"),
    401: errorResponse("Only when the server has an access token configured: no or a wrong Bearer token (WWW-Authenticate: Bearer)"),
    413: errorResponse(`Body over ${MAX_BODY_BYTES / MIB} MiB, or image dimensions over the limits`),
    415: errorResponse("Not a PNG or JPEG (e.g. GIF, SVG, text), or a body type other than multipart/image"),
    422: errorResponse("Undecodable or truncated image, or no digit found in it"),
    429: errorResponse("Too many requests from this client address; retry after Retry-After seconds"),
    503: errorResponse("The model is not available yet, or too many large uploads are in flight; retry after Retry-After seconds"),
  },
});

export const healthRoute = createRoute({
  method: "get",
  path: "/health",
  summary: "Liveness",
  responses: {
    200: {
      description: "The worker is up",
      content: {
        "application/json": {
          schema: z.object({
            status: z.literal("ok"),
            model: ModelIdSchema,
            modelLoaded: z.boolean().openapi({ description: "Whether this isolate has already created its session." }),
            wasmMemoryBytes: z
              .number()
              .int()
              .openapi({ description: "WebAssembly memory the model runtime holds in this isolate (counts towards the 128 MB isolate limit)." }),
          }),
        },
      },
    },
  },
});

export const modelRoute = createRoute({
  method: "get",
  path: "/model",
  summary: "The model card of the bundled model",
  responses: {
    200: {
      description: "Model card (name, sha256 of the ONNX file, metrics, …)",
      content: {
        "application/json": {
          schema: z.looseObject({ name: z.string(), sha256: z.string() }).openapi("ModelCard"),
        },
      },
    },
  },
});

// The HTTP surface: routes (from routes.ts), their handlers, JSON errors for everything else.
import { OpenAPIHono } from "@hono/zod-openapi";
import type { Context } from "hono";
import { classifyAuth } from "./auth.ts";
import { bundledModel, type SessionCache } from "./classifier.ts";
import { classifyImage } from "./classify.ts";
import { corsPolicy } from "./cors-policy.ts";
import { ApiError, errorResponse, handleError } from "./errors.ts";
import { MAX_BODY_BYTES, MIB } from "./limits.ts";
import { modelCard, modelId } from "./model-assets.ts";
import { ortWasmMemoryBytes } from "./ort-runtime.ts";
import { pageRoutes } from "./page.ts";
import { classifyRateLimit } from "./rate-limit.ts";
import { classifyRoute, healthRoute, modelRoute } from "./routes.ts";
import { securityHeaders } from "./security-headers.ts";
import { readUploadedImage } from "./upload.ts";
import { uploadBudget } from "./upload-budget.ts";

export interface AppOptions {
  /** The model session source; tests substitute failing or counting ones. */
  model?: SessionCache;
}

export function createApp({ model = bundledModel }: AppOptions = {}) {
  const app = new OpenAPIHono({
    defaultHook: (result, c) => {
      if (!result.success) {
        const issues = result.error.issues.map((i) => `${i.path.join(".") || "request"}: ${i.message}`).join("; ");
        return errorResponse(c, new ApiError(400, "invalid_query", `Invalid request parameters (${issues}).`));
      }
    },
  });

  // Before every route: headers on all answers, CORS (and preflights), then rate limit and token for /classify.
  app.use(securityHeaders());
  app.use(corsPolicy());
  app.use("/classify", classifyRateLimit(), classifyAuth());

  app.openapi(classifyRoute, async (c) => {
    const debug = ["1", "true"].includes(c.req.valid("query").debug ?? "0");
    const claim = uploadBudget.claim(); // the body counts against the isolate's memory until answered
    try {
      const bytes = await readUploadedImage(c.req.raw, claim);
      return c.json(await classifyImage(bytes, { debug, model }), 200);
    } finally {
      claim.release();
    }
  });

  app.openapi(healthRoute, (c) => c.json({ status: "ok" as const, model: modelId, modelLoaded: model.isLoaded(), wasmMemoryBytes: ortWasmMemoryBytes() }, 200));

  app.openapi(modelRoute, (c) => c.json(modelCard, 200));

  app.route("/", pageRoutes());

  app.openAPIRegistry.registerComponent("securitySchemes", "bearerAuth", {
    type: "http",
    scheme: "bearer",
    description: "Required by POST /classify only when the deployment sets the CLASSIFY_TOKEN secret.",
  });
  app.doc("/openapi.json", {
    openapi: "3.0.3",
    info: {
      title: "Edge digit classifier",
      version: "1.0.0",
      description: `Handwritten-digit recognition (MNIST MLP, ONNX Runtime Web on Cloudflare Workers). Request bodies up to ${MAX_BODY_BYTES / MIB} MiB. Errors are JSON { error, message }.`,
    },
  });

  // Known path with another method -> 405 (with Allow); anything else -> 404. Both JSON.
  app.notFound((c: Context) => {
    const allowed = [...new Set(app.routes.filter((r) => r.path === c.req.path && r.method !== "ALL").map((r) => r.method))];
    if (allowed.length > 0) {
      if (allowed.includes("GET")) allowed.push("HEAD");
      return errorResponse(
        c,
        new ApiError(405, "method_not_allowed", `${c.req.method} is not allowed on ${c.req.path}; use ${allowed.join(" or ")}.`, {
          allow: allowed.join(", "),
        }),
      );
    }
    return errorResponse(
      c,
      new ApiError(404, "not_found", `No route ${c.req.method} ${c.req.path}. Routes: GET / (drawing page), POST /classify, GET /health, GET /model, GET /openapi.json.`),
    );
  });
  app.onError(handleError);
  return app;
}

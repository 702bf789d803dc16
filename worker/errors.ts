// Client-facing errors: every failure a client can cause becomes JSON { error, message } with the right status.
import type { Context } from "hono";
import { HTTPException } from "hono/http-exception";
import type { ContentfulStatusCode } from "hono/utils/http-status";

export type ErrorCode =
  | "missing_image"
  | "empty_image"
  | "malformed_multipart"
  | "invalid_query"
  | "body_too_large"
  | "image_too_large"
  | "unsupported_media_type"
  | "unsupported_image_format"
  | "undecodable_image"
  | "no_digit_found"
  | "not_found"
  | "method_not_allowed"
  | "model_unavailable"
  | "server_busy"
  | "unauthorized"
  | "invalid_authorization"
  | "rate_limited"
  | "bad_request"
  | "internal_error";

export interface ErrorBody {
  error: ErrorCode;
  message: string;
}

export class ApiError extends Error {
  constructor(
    readonly status: ContentfulStatusCode,
    readonly code: ErrorCode,
    message: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
    this.name = "ApiError";
  }
}

export function errorResponse(c: Context, err: ApiError): Response {
  const body: ErrorBody = { error: err.code, message: err.message };
  return c.json(body, err.status, err.headers);
}

/** Global onError: known errors as they are; anything else as a generic 500 without internals. */
export function handleError(err: unknown, c: Context): Response {
  if (err instanceof ApiError) return errorResponse(c, err);
  if (err instanceof HTTPException && err.status < 500) {
    // Hono's bearer-auth throws its finished JSON answer (with WWW-Authenticate): pass it on as it is.
    if (err.res) return err.getResponse();
    return errorResponse(c, new ApiError(err.status, "bad_request", err.message || "The request was not understood."));
  }
  console.error("unhandled error", err);
  return errorResponse(
    c,
    new ApiError(500, "internal_error", "The server failed to handle this request. Please try again later."),
  );
}

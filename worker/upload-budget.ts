// A per-isolate cap on how many bytes of request bodies are held at once. One 5 MiB upload is fine, but each
// in-flight upload costs ~2.5× its size (the body, the parsed form, the file's copy) until it is answered, and
// Workers stop an isolate that passes 128 MB: measured under wrangler dev, 32 concurrent 4.9 MB uploads took the
// isolate to 380 MiB. Past the cap a request is answered 503 with Retry-After instead.
import { ApiError } from "./errors.ts";
import { MAX_UPLOAD_BYTES_IN_FLIGHT, MIB } from "./limits.ts";

export interface UploadClaim {
  /** Adds `bytes` to this request's share; throws a 503 ApiError when the isolate's cap would be passed. */
  grow(bytes: number): void;
  /** Gives this request's share back (idempotent). */
  release(): void;
}

export interface UploadBudget {
  claim(): UploadClaim;
  /** Bytes currently claimed, for tests. */
  inUse(): number;
}

export function createUploadBudget(capacity: number = MAX_UPLOAD_BYTES_IN_FLIGHT): UploadBudget {
  let inUse = 0;
  return {
    claim() {
      let held = 0;
      return {
        grow(bytes) {
          if (inUse + bytes > capacity) {
            throw new ApiError(
              503,
              "server_busy",
              `The server is handling too many large uploads right now (more than ${capacity / MIB} MiB at once). Retry in a second.`,
              { "retry-after": "1" },
            );
          }
          inUse += bytes;
          held += bytes;
        },
        release() {
          inUse -= held;
          held = 0;
        },
      };
    },
    inUse: () => inUse,
  };
}

/** This isolate's budget, shared by all its requests. */
export const uploadBudget = createUploadBudget();

// A per-isolate cap on how many bytes of request bodies are held at once. One 5 MiB upload is fine, but each
// in-flight upload costs ~2.5× its size (the body, the parsed form, the file's copy) until it is answered, and
// Workers stop an isolate that passes 128 MB: measured under wrangler dev, 32 concurrent 4.9 MB uploads took the
// isolate to 380 MiB.
//
// A request that declares its size (Content-Length) reserves it before reading anything and, when the cap is
// reached, waits its turn: its body stays unread in the runtime (not in the isolate's memory) until earlier
// uploads are answered. Only waiting longer than the queue limit gets 503 with Retry-After. A body without a
// declared size is counted while read and cannot wait (it already holds bytes; waiting while holding could
// deadlock), so past the cap it gets the 503 at once.
import { ApiError } from "./errors.ts";
import { MAX_UPLOAD_BYTES_IN_FLIGHT, MAX_UPLOAD_QUEUE_MS, MIB } from "./limits.ts";

export interface UploadClaim {
  /**
   * Reserves `bytes` for a request that holds nothing yet, waiting (first come, first served) for room up to the
   * budget's queue limit; rejects with a 503 ApiError after that.
   */
  reserve(bytes: number): Promise<void>;
  /** Adds `bytes` to this request's share at once; throws a 503 ApiError when the isolate's cap would be passed. */
  grow(bytes: number): void;
  /** Gives this request's share back (idempotent), letting waiting requests in. */
  release(): void;
}

export interface UploadBudget {
  claim(): UploadClaim;
  /** Bytes currently claimed, for tests. */
  inUse(): number;
  /** Requests waiting for room, for tests. */
  waiting(): number;
}

interface Waiter {
  bytes: number;
  admit(): void;
}

export function createUploadBudget(capacity: number = MAX_UPLOAD_BYTES_IN_FLIGHT, maxQueueMs: number = MAX_UPLOAD_QUEUE_MS): UploadBudget {
  let inUse = 0;
  const queue: Waiter[] = [];

  const busy = (what: string) =>
    new ApiError(503, "server_busy", `The server is handling too many large uploads right now (${what}). Retry in a second.`, {
      "retry-after": "1",
    });

  const admitWaiters = () => {
    while (queue.length > 0 && inUse + queue[0]!.bytes <= capacity) queue.shift()!.admit();
  };

  return {
    claim() {
      let held = 0;
      const take = (bytes: number) => {
        inUse += bytes;
        held += bytes;
      };
      return {
        reserve(bytes) {
          if (queue.length === 0 && inUse + bytes <= capacity) {
            take(bytes);
            return Promise.resolve();
          }
          return new Promise<void>((resolve, reject) => {
            const waiter: Waiter = {
              bytes,
              admit() {
                clearTimeout(timer);
                take(bytes);
                resolve();
              },
            };
            const timer = setTimeout(() => {
              queue.splice(queue.indexOf(waiter), 1);
              admitWaiters(); // a large waiter leaving may let smaller ones behind it in
              reject(busy(`no room for ${(bytes / MIB).toFixed(1)} MiB within ${maxQueueMs / 1000} s`));
            }, maxQueueMs);
            queue.push(waiter);
          });
        },
        grow(bytes) {
          if (inUse + bytes > capacity) throw busy(`more than ${capacity / MIB} MiB at once`);
          take(bytes);
        },
        release() {
          inUse -= held;
          held = 0;
          admitWaiters();
        },
      };
    },
    inUse: () => inUse,
    waiting: () => queue.length,
  };
}

/** This isolate's budget, shared by all its requests. */
export const uploadBudget = createUploadBudget();

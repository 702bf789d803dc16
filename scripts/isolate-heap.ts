// The worker isolate's own memory under `wrangler dev`, read over its DevTools inspector (Runtime.getHeapUsage):
// the JS heap and the ArrayBuffer backing stores, which is what Workers' 128 MB isolate limit counts.

export interface HeapUsage {
  /** Live JS heap, bytes. */
  used: number;
  /** JS heap reserved by V8, bytes. */
  total: number;
  /** ArrayBuffer / typed array memory outside the JS heap, bytes. */
  backing: number;
}

export interface IsolateInspector {
  heapUsage(): Promise<HeapUsage>;
  /** Heap usage right after a full garbage collection: the memory the isolate actually holds on to. */
  liveHeapUsage(): Promise<HeapUsage>;
  close(): void;
}

const CALL_TIMEOUT_MS = 5_000;

/** Memory sampled once a second is read after a forced garbage collection every this many samples. */
export const LIVE_SAMPLE_EVERY = 10;

/** Connects to wrangler's inspector proxy (its --inspector-port), which forwards to the worker's isolate. */
export function connectInspector(port: number): Promise<IsolateInspector> {
  return connectInspectorUrl(`ws://127.0.0.1:${port}/ws`);
}

/**
 * The DevTools WebSocket of the workerd isolate whose id contains `idPart`, from the /json/list of a workerd
 * inspector (as `vitest --inspect` starts it for the pool); waits up to `timeoutMs` for it to appear.
 */
export async function findIsolateInspector(port: number, idPart: string, timeoutMs = 120_000): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      const targets = (await (await fetch(`http://127.0.0.1:${port}/json/list`)).json()) as Array<{ id: string; webSocketDebuggerUrl: string }>;
      const target = targets.find((t) => t.id.includes(idPart));
      if (target) return target.webSocketDebuggerUrl;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) throw new Error(`no isolate "${idPart}" on the inspector at port ${port} after ${timeoutMs / 1000} s`);
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
}

export async function connectInspectorUrl(url: string): Promise<IsolateInspector> {
  // wrangler's proxy only accepts DevTools clients from a local Origin; Node's WebSocket sends none by default.
  const ws = new WebSocket(url, { headers: { Origin: "http://localhost" } } as unknown as string[]);
  await new Promise<void>((resolve, reject) => {
    ws.addEventListener("open", () => resolve(), { once: true });
    ws.addEventListener("error", () => reject(new Error(`cannot connect to the inspector at ${url}`)), { once: true });
  });
  let nextId = 0;
  const call = (method: string) =>
    new Promise<Record<string, number>>((resolve, reject) => {
      const id = ++nextId;
      const timer = setTimeout(() => {
        ws.removeEventListener("message", onMessage);
        reject(new Error(`inspector: no answer to ${method}`));
      }, CALL_TIMEOUT_MS);
      const onMessage = (event: MessageEvent) => {
        const message = JSON.parse(String(event.data)) as { id?: number; result?: Record<string, number> };
        if (message.id !== id) return;
        clearTimeout(timer);
        ws.removeEventListener("message", onMessage);
        resolve(message.result ?? {});
      };
      ws.addEventListener("message", onMessage);
      ws.send(JSON.stringify({ id, method }));
    });
  const heapUsage = async (): Promise<HeapUsage> => {
    const r = await call("Runtime.getHeapUsage");
    return { used: r.usedSize ?? 0, total: r.totalSize ?? 0, backing: r.backingStorageSize ?? 0 };
  };
  return {
    heapUsage,
    // V8 runs the requested collection as a task at the isolate's next turn (an idle workerd isolate needs a
    // request for that) and answers once it is done; only then is the heap read, before much can be allocated.
    liveHeapUsage: () => call("HeapProfiler.collectGarbage").then(heapUsage),
    close: () => ws.close(),
  };
}

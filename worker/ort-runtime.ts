// onnxruntime-web (wasm backend) inside workerd.
//
// workerd refuses to compile WebAssembly from bytes and gives modules an empty `import.meta.url`, so ORT can
// neither locate its .wasm by URL nor compile it itself. What works, using only documented switches:
// - `onnxruntime-web/wasm` is the build with the Emscripten glue embedded, so nothing is imported at run time;
// - the .wasm itself is imported through wrangler's CompiledWasm rule, arriving as a ready `WebAssembly.Module`;
// - `env.wasm.wasmBinary` set tells ORT "the binary is supplied": no fetch, no URL needed (`wasmPaths` instead
//   would make ORT fetch the .wasm or dynamically import a URL, neither possible in a bundled Worker). ORT 1.30
//   builds the Emscripten module config itself (numThreads, wasmBinary, locateFile), so Emscripten's
//   `instantiateWasm` hook cannot be passed in; the glue ends in exactly one `WebAssembly.instantiate(bytes,
//   imports)`. While ORT initialises we answer that one call, recognised by its placeholder bytes, from the
//   precompiled module, and put the original function back right after.
import * as ort from "onnxruntime-web/wasm";
import ortWasmModule from "onnxruntime-web/ort-wasm-simd-threaded.wasm";

export { ort };

// Magic number and version of a wasm binary: the smallest valid module. It marks ORT's instantiate call.
const PLACEHOLDER_BINARY = new Uint8Array([0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00]);

function isPlaceholder(source: unknown): boolean {
  let bytes: Uint8Array;
  if (source instanceof Uint8Array) bytes = source;
  else if (source instanceof ArrayBuffer) bytes = new Uint8Array(source);
  else return false;
  return bytes.length === PLACEHOLDER_BINARY.length && bytes.every((b, i) => b === PLACEHOLDER_BINARY[i]);
}

let configured = false;

function configureOrt(): void {
  if (configured) return;
  configured = true;
  ort.env.wasm.numThreads = 1; // workerd has no worker threads / SharedArrayBuffer
  ort.env.wasm.simd = true;
  ort.env.wasm.proxy = false;
  ort.env.wasm.wasmBinary = PLACEHOLDER_BINARY;
  ort.env.logLevel = "error";
}

type Instantiate = typeof WebAssembly.instantiate;

const realInstantiate: Instantiate = WebAssembly.instantiate;
let initsInProgress = 0;

/** When (Date.now) ORT's wasm instance was requested and ready in this isolate; 0 until then. */
export const wasmInstantiateMarks = { start: 0, end: 0 };

let ortMemory: WebAssembly.Memory | undefined;

/** ORT's linear memory: exported by the instance, or (threaded builds) handed in through the imports. */
function findMemory(instance: WebAssembly.Instance, imports?: WebAssembly.Imports): WebAssembly.Memory | undefined {
  const candidates = [...Object.values(instance.exports), ...Object.values(imports ?? {}).flatMap((m) => Object.values(m))];
  return candidates.find((value): value is WebAssembly.Memory => value instanceof WebAssembly.Memory);
}

/**
 * Bytes of WebAssembly memory ORT holds in this isolate (0 before it starts). It counts towards Workers'
 * per-isolate memory limit but not in V8's heap statistics, so /health reports it for the load test.
 */
export function ortWasmMemoryBytes(): number {
  return ortMemory?.buffer.byteLength ?? 0;
}

async function fromPrecompiled(source: unknown, imports?: WebAssembly.Imports): Promise<unknown> {
  if (isPlaceholder(source)) {
    wasmInstantiateMarks.start = Date.now();
    const instance = await realInstantiate(ortWasmModule, imports);
    wasmInstantiateMarks.end = Date.now();
    ortMemory = findMemory(instance, imports);
    return { instance, module: ortWasmModule };
  }
  return (realInstantiate as (s: unknown, i?: WebAssembly.Imports) => Promise<unknown>)(source, imports);
}

/**
 * Runs `init` (the first `InferenceSession.create`, which initialises ORT's wasm) with ORT's single
 * `WebAssembly.instantiate(placeholder, imports)` answered from the precompiled module.
 * Any other call goes to the real function unchanged.
 */
export async function withOrtWasm<T>(init: () => Promise<T>): Promise<T> {
  configureOrt();
  if (initsInProgress++ === 0) WebAssembly.instantiate = fromPrecompiled as Instantiate;
  try {
    return await init();
  } finally {
    if (--initsInProgress === 0) WebAssembly.instantiate = realInstantiate;
  }
}

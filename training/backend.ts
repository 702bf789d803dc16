import * as tf from "@tensorflow/tfjs";

export type BackendChoice = "auto" | "node" | "wasm" | "cpu";
export const BACKEND_CHOICES: readonly BackendChoice[] = ["auto", "node", "wasm", "cpu"];

export interface ActiveBackend {
  /** tfjs' name for the backend: "tensorflow" (tfjs-node), "wasm" or "cpu". */
  name: string;
  /** Why this one runs, in a sentence a user can act on. */
  reason: string;
}

function describe(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  return message.split("\n")[0];
}

async function tryNode(): Promise<string | undefined> {
  try {
    // Optional dependency: absent when its install script could not download libtensorflow.
    await import("@tensorflow/tfjs-node" as string);
    return (await tf.setBackend("tensorflow")) ? undefined : "tfjs-node loaded but did not register its backend";
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === "ERR_MODULE_NOT_FOUND" && describe(error).includes("@tensorflow/tfjs-node")) {
      return "@tensorflow/tfjs-node is not installed (optional dependency)";
    }
    return `@tensorflow/tfjs-node failed to load: ${describe(error)}`;
  }
}

async function tryWasm(): Promise<string | undefined> {
  try {
    await import("@tensorflow/tfjs-backend-wasm");
    return (await tf.setBackend("wasm")) ? undefined : "the wasm backend failed to initialise";
  } catch (error) {
    return `the wasm backend failed to load: ${describe(error)}`;
  }
}

async function useCpu(): Promise<void> {
  if (!(await tf.setBackend("cpu"))) throw new Error("even the cpu backend of TensorFlow.js failed to initialise");
}

/** Selects the tfjs backend: native tfjs-node when it loads, else wasm (XNNPACK, SIMD), else plain JS. */
export async function selectBackend(choice: BackendChoice): Promise<ActiveBackend> {
  if (choice === "cpu") {
    await useCpu();
    return { name: "cpu", reason: "forced by --backend cpu" };
  }
  if (choice === "wasm") {
    const failure = await tryWasm();
    if (failure) throw new Error(`--backend wasm: ${failure}`);
    return { name: "wasm", reason: "forced by --backend wasm" };
  }
  const nodeFailure = await tryNode();
  if (!nodeFailure) return { name: "tensorflow", reason: "@tensorflow/tfjs-node loaded (native TensorFlow)" };
  if (choice === "node") {
    throw new Error(`--backend node: ${nodeFailure}. Install it with 'npm install @tensorflow/tfjs-node' on a machine with internet access.`);
  }
  const wasmFailure = await tryWasm();
  if (!wasmFailure) return { name: "wasm", reason: `${nodeFailure}; using the WebAssembly backend` };
  await useCpu();
  return { name: "cpu", reason: `${nodeFailure}; ${wasmFailure}; falling back to the plain JavaScript cpu backend (slow)` };
}

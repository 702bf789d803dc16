// Types for the workerd tests.
declare global {
  namespace Cloudflare {
    interface GlobalProps {
      // `exports.default` from cloudflare:workers is this worker's entry.
      mainModule: typeof import("../../worker/index.ts");
    }
  }
}

declare module "vitest" {
  interface ProvidedContext {
    /** test/fixtures/* as base64, keyed by file name (read in Node by global-setup.ts). */
    fixtures: Record<string, string>;
    /** model/mnist-mlp.json as parsed from disk. */
    modelCard: { name: string; sha256: string; [field: string]: unknown };
    /** sha256 (hex) of model/mnist-mlp.onnx, computed in Node. */
    modelOnnxSha256: string;
  }
}

export {};

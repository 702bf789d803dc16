// The bundled model: ONNX bytes (wrangler Data rule -> ArrayBuffer) and its card. Retrain + deploy ships both.
import modelBytes from "../model/mnist-mlp.onnx";
import card from "../model/mnist-mlp.json";

export interface ModelCard {
  name: string;
  /** Hex sha256 of the ONNX file. */
  sha256: string;
  [field: string]: unknown;
}

export const modelCard: ModelCard = card as ModelCard;

/** What every prediction names: the model and a short form of its ONNX sha256. */
export const modelId = { name: modelCard.name, sha: modelCard.sha256.slice(0, 12) };

export { modelBytes };

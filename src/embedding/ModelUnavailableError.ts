/**
 * Thrown by `loadEmbedder` when the model directory lacks the files needed to
 * embed. `missing` names them (relative to the directory); the message also
 * says how to download them.
 */
export class ModelUnavailableError extends Error {
  override readonly name = "ModelUnavailableError";
  readonly missing: string[];
  readonly modelDir: string;

  constructor(modelDir: string, missing: readonly string[]) {
    const described = missing.map((file) => (file === "model.onnx" ? "model.onnx (or model_quantized.onnx)" : file));
    super(
      `embedding model all-MiniLM-L6-v2 is not available: ${described.join(" and ")} ` +
        `${missing.length === 1 ? "is" : "are"} missing from ${modelDir}. ` +
        "Download the model with `npm run model:fetch` (or `ltst model fetch`).",
    );
    this.missing = [...missing];
    this.modelDir = modelDir;
  }
}

import { readFile } from "node:fs/promises";
import { TextTokenizer, type TextTokenizerOptions } from "./TextTokenizer.js";

/**
 * Loads a tokenizer from a model's tokenizer.json (and tokenizer_config.json
 * when given).
 */
export async function loadTokenizer(
  tokenizerPath: string,
  tokenizerConfigPath: string | null = null,
  options: TextTokenizerOptions = {},
): Promise<TextTokenizer> {
  const [json, config] = await Promise.all([
    readJsonObject(tokenizerPath),
    tokenizerConfigPath === null ? Promise.resolve({}) : readJsonObject(tokenizerConfigPath),
  ]);
  try {
    return new TextTokenizer(json, config, options);
  } catch (error) {
    throw new Error(`cannot load the tokenizer in ${tokenizerPath}: ${(error as Error).message}`, { cause: error });
  }
}

async function readJsonObject(file: string): Promise<Record<string, unknown>> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(await readFile(file, "utf8"));
  } catch (error) {
    throw new Error(`cannot read ${file}: ${(error as Error).message}`, { cause: error });
  }
  if (parsed === null || typeof parsed !== "object" || Array.isArray(parsed)) {
    throw new Error(`${file} does not hold a JSON object`);
  }
  return parsed as Record<string, unknown>;
}

import { createHash } from "node:crypto";
import { createReadStream } from "node:fs";

/** The sha256 (lowercase hex) of a file, streamed so that 90 MB of weights are never held in memory. */
export async function sha256File(filePath: string): Promise<string> {
  const hash = createHash("sha256");
  for await (const chunk of createReadStream(filePath)) hash.update(chunk as Buffer);
  return hash.digest("hex");
}

import { createHash } from "node:crypto";
import { uuidPattern } from "../validation/limits.js";

/** The namespace of the ids ltst import derives (a fixed random UUID). */
const namespace = Buffer.from("6f1c2a7e4b9d4e0c8a35d2f7b1c9e840", "hex");

/**
 * The target id of a source row: the row's own id when it is a UUID (the
 * minimal design's), else a name-based UUID (version 5: SHA-1 of a fixed
 * namespace and `table:id`). The same source row always gets the same id, so
 * a second run finds what the first stored.
 */
export function sourceUuid(table: string, id: string): string {
  if (uuidPattern.test(id)) return id.toLowerCase();
  const hash = createHash("sha1").update(namespace).update(`${table}:${id}`, "utf8").digest();
  hash[6] = (hash[6]! & 0x0f) | 0x50;
  hash[8] = (hash[8]! & 0x3f) | 0x80;
  const hex = hash.subarray(0, 16).toString("hex");
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/**
 * An upper bound of the bytes `value` (a ts-proto message object, or any
 * value in one: strings, numbers, booleans, Dates, bytes, nested messages,
 * arrays, and plain objects such as a google.protobuf.Struct's metadata)
 * takes once protobuf-encoded, without encoding it: a string is its UTF-8
 * length (a short one is charged 3 bytes per UTF-16 code unit, which is
 * cheaper than measuring it), a scalar with its tag at most 11, and every field,
 * map key and nested message is charged its tag and length prefix whether
 * the encoding has them or not. Over-counts (keys of messages are not
 * encoded) by design: it is cheap, and a batch sized by it always fits.
 */
export function encodedSizeBound(value: unknown): number {
  switch (typeof value) {
    case "string":
      return (value.length <= 32 ? 3 * value.length : Buffer.byteLength(value, "utf8")) + 6;
    case "number":
    case "bigint":
      return 11;
    case "boolean":
      return 2;
    case "object": {
      if (value === null) return 2;
      if (value instanceof Date) return 24;
      if (value instanceof Uint8Array) return value.length + 6;
      if (Array.isArray(value)) {
        let bytes = 6;
        for (const item of value) bytes += encodedSizeBound(item) + 6;
        return bytes;
      }
      let bytes = 6;
      for (const key in value) {
        // A Struct entry is a nested message of key and Value (each with a tag and a length).
        bytes += 3 * key.length + 18 + encodedSizeBound((value as Record<string, unknown>)[key]);
      }
      return bytes;
    }
    default:
      return 0;
  }
}

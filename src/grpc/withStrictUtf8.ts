import type { ServiceDefinition } from "@grpc/grpc-js";
import { BinaryReader } from "@bufbuild/protobuf/wire";

const fatalDecoder = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });

/** Decodes UTF-8 and throws on invalid bytes (never substitutes U+FFFD). */
const decodeUtf8Strictly = (bytes: Uint8Array): string => fatalDecoder.decode(bytes);

/**
 * The service definition with request decoding that rejects invalid UTF-8 in
 * string fields, as proto3 requires and as the protobuf runtimes of other
 * languages do. ts-proto's readers would otherwise replace the bad bytes with
 * U+FFFD, and a message's content (and its hashes) would silently differ from
 * what the client sent. A request that fails to decode is answered by grpc-js
 * like any other malformed message: INTERNAL "Error deserializing request",
 * before a handler runs.
 *
 * ts-proto's decode(input) takes a BinaryReader as well as bytes, and nested
 * messages (google.protobuf.Struct included) are decoded from the same reader,
 * so every string of the request is checked.
 */
export function withStrictUtf8<T extends ServiceDefinition>(definition: T): T {
  const strict: Record<string, unknown> = {};
  for (const [name, method] of Object.entries(definition)) {
    // Typed for a Buffer; ts-proto's decode behind it takes a BinaryReader too.
    const decode = method.requestDeserialize as unknown as (input: BinaryReader) => unknown;
    strict[name] = {
      ...method,
      requestDeserialize: (bytes: Buffer) => decode(new BinaryReader(bytes, decodeUtf8Strictly)),
    };
  }
  return strict as T;
}

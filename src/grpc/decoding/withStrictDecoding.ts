import type { ServiceDefinition } from "@grpc/grpc-js";
import { BinaryReader } from "@bufbuild/protobuf/wire";
import { Duration } from "../../../gen/ts/google/protobuf/duration.js";
import { Timestamp } from "../../../gen/ts/google/protobuf/timestamp.js";
import { describeUndecodableRequest } from "./describeUndecodableRequest.js";
import { requestSchema } from "./requestSchema.js";
import { UndecodableRequest } from "./UndecodableRequest.js";
import { durationRange, timestampRange } from "./wellKnownRanges.js";

const fatalDecoder = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });

/** Decodes UTF-8 and throws on invalid bytes (never substitutes U+FFFD). */
const decodeUtf8Strictly = (bytes: Uint8Array): string => fatalDecoder.decode(bytes);

// ts-proto turns a Timestamp into a Date (useDate) and keeps a Duration's
// parts without checking the ranges their .proto files document: nanos of
// -1 or 1,000,000,000 would become another instant. The service's decoders
// of both refuse what is out of range, so such a request fails to decode and
// is described below. (The generated modules are the service's own; their
// clients never send such values.)
const decodeTimestamp = Timestamp.decode;
Timestamp.decode = (input, length) => {
  const value = decodeTimestamp(input, length);
  if (timestampRange.check(BigInt(value.seconds), value.nanos)) throw new RangeError("google.protobuf.Timestamp out of range");
  return value;
};
const decodeDuration = Duration.decode;
Duration.decode = (input, length) => {
  const value = decodeDuration(input, length);
  if (durationRange.check(BigInt(value.seconds), value.nanos)) throw new RangeError("google.protobuf.Duration out of range");
  return value;
};

/**
 * The service definition with strict request decoding:
 *
 * - invalid UTF-8 in a string field is refused, as proto3 requires and as
 *   the protobuf runtimes of other languages do (ts-proto's readers would
 *   replace the bad bytes with U+FFFD, and a message's content, and its
 *   hashes, would silently differ from what the client sent);
 * - Timestamps and Durations out of their documented range are refused;
 * - a request that does not decode (those, an int64 beyond 2^53 - 1, which
 *   the service reads as a JavaScript number, metadata nested past the
 *   decoder's recursion limit, bytes that are not protobuf) reaches the
 *   method as an UndecodableRequest naming the fields, which the pipeline
 *   answers with INVALID_ARGUMENT after authentication; grpc-js would
 *   otherwise answer INTERNAL "Error deserializing request", blaming the
 *   server, before any stage of the pipeline ran.
 *
 * ts-proto's decode(input) takes a BinaryReader as well as bytes, and nested
 * messages (google.protobuf.Struct included) are decoded from the same reader,
 * so every string of the request is checked.
 */
export function withStrictDecoding<T extends ServiceDefinition>(definition: T): T {
  const strict: Record<string, unknown> = {};
  for (const [name, method] of Object.entries(definition)) {
    // Typed for a Buffer; ts-proto's decode behind it takes a BinaryReader too.
    const decode = method.requestDeserialize as unknown as (input: BinaryReader) => unknown;
    strict[name] = {
      ...method,
      requestDeserialize: (bytes: Buffer) => {
        try {
          return decode(new BinaryReader(bytes, decodeUtf8Strictly));
        } catch (error) {
          const schema = requestSchema(method.path);
          if (!schema) throw error;
          return new UndecodableRequest(describeUndecodableRequest(schema, bytes));
        }
      },
    };
  }
  return strict as T;
}

import { ScalarType, type DescField, type DescMessage } from "@bufbuild/protobuf";
import { BinaryReader, WireType } from "@bufbuild/protobuf/wire";
import type { FieldViolation } from "../../domain/errors.js";
import { durationRange, timestampRange } from "./wellKnownRanges.js";

const fatalUtf8 = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });

/**
 * Message levels a request may nest before the walk stops and blames the
 * field: ts-proto's decoders stop at 100 nested Struct/Value/ListValue
 * decodes (about 33 levels of metadata objects); below that the walk goes on.
 */
const MAX_DEPTH = 64;

const structTypes = new Set(["google.protobuf.Struct", "google.protobuf.Value", "google.protobuf.ListValue"]);
const int64Types = new Set([ScalarType.INT64, ScalarType.UINT64, ScalarType.SINT64, ScalarType.FIXED64, ScalarType.SFIXED64]);
const safe = BigInt(Number.MAX_SAFE_INTEGER);

/**
 * Why the bytes of a `schema` request did not decode, as field violations
 * with the proto field's path (`messages[0].metadata`, `start_time.nanos`):
 * an int64 beyond 2^53 - 1 (the service reads int64 as a JavaScript number),
 * a Timestamp or Duration out of its documented range, invalid UTF-8 in a
 * string, metadata nested too deeply, or bytes that are not protobuf at all
 * (field `request`). Only called after a decode failed, so it favours
 * precision over speed.
 */
export function describeUndecodableRequest(schema: DescMessage, bytes: Uint8Array): FieldViolation[] {
  const violations: FieldViolation[] = [];
  const reader = new BinaryReader(bytes);
  try {
    walkMessage(schema, reader, bytes.length, "", 0, null, violations);
  } catch (error) {
    if (violations.length === 0) {
      violations.push({ field: "request", description: `is not a valid ${schema.typeName} message (${(error as Error).message})` });
    }
  }
  if (violations.length === 0) violations.push({ field: "request", description: `could not be decoded as ${schema.typeName}` });
  return violations;
}

/** The message a field holds (singular, list or map value), or undefined for scalars and enums. */
function messageOf(field: DescField): DescMessage | undefined {
  if (field.fieldKind === "message") return field.message;
  if (field.fieldKind === "list" && field.listKind === "message") return field.message;
  if (field.fieldKind === "map" && field.mapKind === "message") return field.message;
  return undefined;
}

function scalarOf(field: DescField): ScalarType | undefined {
  if (field.fieldKind === "scalar") return field.scalar;
  if (field.fieldKind === "list" && field.listKind === "scalar") return field.scalar;
  if (field.fieldKind === "map" && field.mapKind === "scalar") return field.scalar;
  return undefined;
}

/**
 * Walks one message up to `end`. `structRoot` is the field where a
 * google.protobuf.Struct began (`metadata`): violations inside it name that
 * field, not the Struct's internal path.
 */
function walkMessage(
  desc: DescMessage,
  reader: BinaryReader,
  end: number,
  path: string,
  depth: number,
  structRoot: string | null,
  out: FieldViolation[],
): void {
  const counts = new Map<number, number>();
  while (reader.pos < end) {
    const [number, wireType] = reader.tag();
    const field = desc.fields.find((f) => f.number === number);
    if (!field) {
      reader.skip(wireType, number);
      continue;
    }
    let name = path === "" ? field.name : `${path}.${field.name}`;
    if (field.fieldKind === "list") {
      const index = counts.get(number) ?? 0;
      counts.set(number, index + 1);
      name = `${name}[${index}]`;
    }
    const inner = messageOf(field);
    const blame = structRoot ?? name;
    if (field.fieldKind === "map") {
      walkMapEntry(field, reader, name, depth, structRoot, out);
    } else if (inner) {
      const length = reader.uint32();
      const innerEnd = reader.pos + length;
      if (depth + 1 > MAX_DEPTH) {
        out.push({ field: blame, description: "is nested too deeply (metadata may nest at most 16 levels)" });
        throw new Error("nested too deeply");
      }
      const root = structRoot ?? (structTypes.has(inner.typeName) ? name : null);
      if (inner.typeName === "google.protobuf.Timestamp" || inner.typeName === "google.protobuf.Duration") {
        checkTimeValue(inner.typeName, reader, innerEnd, name, out);
      } else {
        walkMessage(inner, reader, innerEnd, name, depth + 1, root, out);
      }
      reader.pos = innerEnd;
    } else {
      const scalar = scalarOf(field);
      if (scalar !== undefined && wireType === WireType.LengthDelimited && scalar !== ScalarType.STRING && scalar !== ScalarType.BYTES) {
        // A packed list of numbers.
        const packedEnd = reader.pos + reader.uint32();
        while (reader.pos < packedEnd) readScalar(scalar, reader, blame, out);
      } else if (scalar !== undefined) {
        readScalar(scalar, reader, blame, out);
      } else {
        reader.skip(wireType, number);
      }
    }
  }
}

function walkMapEntry(
  field: DescField & { fieldKind: "map" },
  reader: BinaryReader,
  name: string,
  depth: number,
  structRoot: string | null,
  out: FieldViolation[],
): void {
  const end = reader.pos + reader.uint32();
  while (reader.pos < end) {
    const [number, wireType] = reader.tag();
    if (number === 1) {
      readScalar(field.mapKey, reader, structRoot ?? name, out);
    } else if (number === 2 && field.mapKind === "message") {
      const innerEnd = reader.pos + reader.uint32();
      if (depth + 1 > MAX_DEPTH) {
        out.push({ field: structRoot ?? name, description: "is nested too deeply (metadata may nest at most 16 levels)" });
        throw new Error("nested too deeply");
      }
      walkMessage(field.message, reader, innerEnd, name, depth + 1, structRoot ?? (structTypes.has(field.message.typeName) ? name : null), out);
      reader.pos = innerEnd;
    } else if (number === 2 && field.mapKind === "scalar") {
      readScalar(field.scalar, reader, structRoot ?? name, out);
    } else {
      reader.skip(wireType, number);
    }
  }
}

function readScalar(type: ScalarType, reader: BinaryReader, name: string, out: FieldViolation[]): void {
  switch (type) {
    case ScalarType.STRING: {
      // The bytes first: a field cut short is a malformed request, not bad UTF-8.
      const bytes = reader.bytes();
      try {
        fatalUtf8.decode(bytes);
      } catch {
        out.push({ field: name, description: "must be valid UTF-8" });
        throw new Error("invalid UTF-8");
      }
      return;
    }
    case ScalarType.BYTES:
      reader.bytes();
      return;
    case ScalarType.DOUBLE:
      reader.double();
      return;
    case ScalarType.FLOAT:
      reader.float();
      return;
    case ScalarType.FIXED32:
      reader.fixed32();
      return;
    case ScalarType.SFIXED32:
      reader.sfixed32();
      return;
    case ScalarType.BOOL:
      reader.bool();
      return;
    case ScalarType.SINT32:
      reader.sint32();
      return;
    case ScalarType.UINT32:
      reader.uint32();
      return;
    case ScalarType.INT32:
      reader.int32();
      return;
    default:
      if (int64Types.has(type)) checkInt64(readInt64(type, reader), name, out);
      else throw new Error(`unknown scalar type ${type}`);
  }
}

function readInt64(type: ScalarType, reader: BinaryReader): bigint {
  const value =
    type === ScalarType.UINT64 ? reader.uint64()
    : type === ScalarType.SINT64 ? reader.sint64()
    : type === ScalarType.FIXED64 ? reader.fixed64()
    : type === ScalarType.SFIXED64 ? reader.sfixed64()
    : reader.int64();
  return BigInt(value);
}

function checkInt64(value: bigint, name: string, out: FieldViolation[]): void {
  if (value > safe || value < -safe) {
    out.push({ field: name, description: `must be between -(2^53 - 1) and 2^53 - 1 (got ${value})` });
  }
}

/** A Timestamp's or Duration's seconds and nanos, checked against the ranges their .proto documents. */
function checkTimeValue(typeName: string, reader: BinaryReader, end: number, name: string, out: FieldViolation[]): void {
  let seconds = 0n;
  let nanos = 0;
  while (reader.pos < end) {
    const [number, wireType] = reader.tag();
    if (number === 1 && wireType === WireType.Varint) seconds = BigInt(reader.int64());
    else if (number === 2 && wireType === WireType.Varint) nanos = reader.int32();
    else reader.skip(wireType, number);
  }
  const range = typeName === "google.protobuf.Timestamp" ? timestampRange : durationRange;
  const problem = range.check(seconds, nanos);
  if (problem) out.push({ field: `${name}.${problem.field}`, description: problem.description });
}

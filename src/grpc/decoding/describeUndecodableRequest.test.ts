import { BinaryWriter, WireType } from "@bufbuild/protobuf/wire";
import { describe, expect, it } from "vitest";
import { SearchRequest } from "../../../gen/ts/ltst/memory/v1/search.js";
import { describeUndecodableRequest } from "./describeUndecodableRequest.js";
import { requestSchema } from "./requestSchema.js";

const schema = (path: string) => {
  const found = requestSchema(path);
  if (!found) throw new Error(`no schema for ${path}`);
  return found;
};
const search = schema("/ltst.memory.v1.SearchService/Search");
const append = schema("/ltst.memory.v1.MessageService/AppendMessages");

const wire = (write: (w: BinaryWriter) => void) => {
  const writer = new BinaryWriter();
  write(writer);
  return writer.finish();
};

describe("describeUndecodableRequest", () => {
  it("finds every service's request schema in the descriptor set, and none for an unknown path", () => {
    expect(search.typeName).toBe("ltst.memory.v1.SearchRequest");
    expect(append.typeName).toBe("ltst.memory.v1.AppendMessagesRequest");
    expect(requestSchema("/ltst.memory.v1.SearchService/Nope")).toBeUndefined();
  });

  it("names a repeated message's element and its field: messages[1].content", () => {
    const bytes = wire((w) => {
      w.tag(1, WireType.LengthDelimited).string("alice");
      w.tag(3, WireType.LengthDelimited).bytes(wire((m) => m.tag(3, WireType.LengthDelimited).string("fine")));
      w.tag(3, WireType.LengthDelimited).bytes(wire((m) => m.tag(3, WireType.LengthDelimited).bytes(Uint8Array.of(0x61, 0xff))));
    });
    expect(describeUndecodableRequest(append, bytes)).toEqual([{ field: "messages[1].content", description: "must be valid UTF-8" }]);
  });

  it("walks packed repeated enums and Struct maps without blaming them, and finds the int64 after them", () => {
    const valid = SearchRequest.encode(SearchRequest.fromPartial({ userId: "u", query: "q", roles: [1, 2], metadataFilter: { a: { b: [1, "x"] } } })).finish();
    const bytes = Buffer.concat([valid, wire((w) => w.tag(8, WireType.LengthDelimited).bytes(wire((t) => t.tag(1, WireType.Varint).int64(2n ** 60n))))]);
    expect(describeUndecodableRequest(search, bytes)).toEqual([
      { field: "start_time.seconds", description: expect.stringContaining(`got ${2n ** 60n}`) },
    ]);
  });

  it("blames the field where metadata begins, not the Struct's inner path", () => {
    let filter: Record<string, unknown> = { leaf: true };
    for (let i = 0; i < 80; i++) filter = { a: filter };
    const bytes = SearchRequest.encode(SearchRequest.fromPartial({ userId: "u", query: "q", metadataFilter: filter })).finish();
    expect(describeUndecodableRequest(search, bytes).map((v) => v.field)).toEqual(["metadata_filter"]);
  });

  it("says the request is not a valid message when the bytes are not protobuf, or end inside a field", () => {
    for (const bytes of [Uint8Array.of(0xff, 0xff, 0xff, 0xff), Uint8Array.of(0x0a, 0x10, 0x61)]) {
      const [violation, ...rest] = describeUndecodableRequest(search, bytes);
      expect(rest).toEqual([]);
      expect(violation).toEqual({ field: "request", description: expect.stringContaining("is not a valid ltst.memory.v1.SearchRequest message") });
    }
  });
});

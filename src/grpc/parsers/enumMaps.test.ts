import { describe, expect, it } from "vitest";
import { RelationDirection, RelationType } from "../../../gen/ts/ltst/memory/v1/relationship.js";
import { ChunkKind, TokenEncoding } from "../../../gen/ts/ltst/memory/v1/rehydrate.js";
import { SearchMode } from "../../../gen/ts/ltst/memory/v1/search.js";
import { SessionStatus } from "../../../gen/ts/ltst/memory/v1/session.js";
import { Role } from "../../../gen/ts/ltst/memory/v1/message.js";
import { chunkKinds } from "./chunkKinds.js";
import { relationDirections } from "./relationDirections.js";
import { relationTypes } from "./relationTypes.js";
import { roles } from "./roles.js";
import { searchModes } from "./searchModes.js";
import { sessionStatuses } from "./sessionStatuses.js";
import { tokenEncodings } from "./tokenEncodings.js";

/** The values of a ts-proto enum other than UNSPECIFIED and UNRECOGNIZED (-1). */
const protoValues = (protoEnum: Record<string, string | number>) =>
  Object.values(protoEnum).filter((value): value is number => typeof value === "number" && value > 0);

/**
 * The enum maps are declared once each in this folder, from the domain side
 * (the compiler checks every domain name is mapped). This checks the other
 * side: every value of the proto enum is mapped, so a value added to the
 * proto fails here until the domain has a name for it.
 */
describe("the proto enum ↔ domain maps", () => {
  it.each([
    ["Role", roles, Role],
    ["SessionStatus", sessionStatuses, SessionStatus],
    ["RelationType", relationTypes, RelationType],
    ["RelationDirection", relationDirections, RelationDirection],
    ["SearchMode", searchModes, SearchMode],
    ["TokenEncoding", tokenEncodings, TokenEncoding],
    ["ChunkKind", chunkKinds, ChunkKind],
  ] as const)("%s: every proto value has a domain name, and back", (_name, map, protoEnum) => {
    const mapped = Object.values(map.toProto as Record<string, number>).sort((a, b) => a - b);
    expect(mapped).toEqual(protoValues(protoEnum).sort((a, b) => a - b));
    for (const value of mapped) expect(map.toProto[map.fromProto(value as never) as never]).toBe(value);
  });
});

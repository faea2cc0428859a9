import type { RoleName } from "../../domain/messages/Message.js";
import { Role } from "../../../gen/ts/ltst/memory/v1/message.js";
import { enumMap } from "./enumMap.js";

/** Role ↔ the stored role names. */
export const roles = enumMap<RoleName, Role>({
  user: Role.ROLE_USER,
  assistant: Role.ROLE_ASSISTANT,
  system: Role.ROLE_SYSTEM,
  tool: Role.ROLE_TOOL,
});

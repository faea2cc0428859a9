import { Validator } from "../../validation/Validator.js";
import type { EraseUserDataRequest } from "../../../gen/ts/ltst/memory/v1/user_data.js";

/** EraseUserData's request: a required user_id, repeated exactly in confirm_user_id. */
export function parseEraseUserDataRequest(request: EraseUserDataRequest): { userId: string } {
  const v = new Validator();
  const userId = v.id("user_id", request.userId, { required: true });
  if (request.confirmUserId === "") v.fail("confirm_user_id", "is required: repeat user_id to confirm the erasure");
  else if (request.confirmUserId !== request.userId) v.fail("confirm_user_id", "must equal user_id exactly (a guard against erasing the wrong user)");
  v.done();
  return { userId };
}

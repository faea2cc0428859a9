import { Validator } from "../../validation/Validator.js";
import type { ListErasureRecordsRequest } from "../../../gen/ts/ltst/memory/v1/user_data.js";

/** ListErasureRecords' request: an optional user_id filter and the usual paging. */
export function parseListErasureRecordsRequest(request: ListErasureRecordsRequest): { userId: string | null; pageSize: number; pageToken: string } {
  const v = new Validator();
  const userId = v.id("user_id", request.userId, { required: false });
  const pageSize = v.pageSize("page_size", request.pageSize);
  v.done();
  return { userId: userId === "" ? null : userId, pageSize, pageToken: request.pageToken };
}

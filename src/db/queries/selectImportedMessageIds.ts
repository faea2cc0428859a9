import { sql, type CommonQueryMethods } from "slonik";
import { z } from "zod";

const found = z.object({ user_id: z.string(), id: z.string() });

/** Which of the (user, message id) pairs the tenant already stores (by the messages_user_id_key index). */
export async function selectImportedMessageIds(
  db: CommonQueryMethods,
  tenantId: string,
  messages: readonly { userId: string; id: string }[],
): Promise<readonly { user_id: string; id: string }[]> {
  if (messages.length === 0) return [];
  return db.any(sql.type(found)`
    SELECT m.user_id, m.id::text AS id
    FROM ${sql.unnest(messages.map((m) => [m.userId, m.id]), ["text", "uuid"])} AS t(user_id, id)
    JOIN messages m ON m.tenant_id = ${tenantId} AND m.user_id = t.user_id AND m.id = t.id`);
}

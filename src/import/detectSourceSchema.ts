import { sql, type CommonQueryMethods } from "slonik";
import { z } from "zod";
import { ltstPlan } from "./ltstPlan.js";
import { memoryPlan } from "./memoryPlan.js";
import { minimalPlan } from "./minimalPlan.js";
import { SourceSchemaError, type SourceKind, type SourcePlan, type TableColumns } from "./SourcePlan.js";

const knownTables = [
  "conversations", "messages", "conversation_summaries",
  "conversation_sessions", "conversation_messages", "conversation_context", "user_preferences",
  "session_relationships", "session_summary", "conversation_memory",
];

const columnRow = z.object({ table_name: z.string(), column_name: z.string(), data_type: z.string() });

/** The designs present, in the order they are preferred when several are. */
const designs: readonly { kind: SourceKind; needs: readonly string[] }[] = [
  { kind: "ltst", needs: ["conversation_sessions", "conversation_messages"] },
  { kind: "minimal", needs: ["conversations", "messages"] },
  { kind: "conversation_memory", needs: ["conversation_memory"] },
];

export type DetectedSource = { found: readonly SourceKind[]; plan: SourcePlan };

/**
 * Finds which of the earlier designs the source holds, from
 * information_schema.columns of the connection's current schema (set another
 * with the URL's options=-c search_path=...), and builds the plan to read it.
 * With several present, `choice` picks one (--source); otherwise the LTST
 * design wins over the minimal one, and either over conversation_memory, and
 * the others are named in the plan's notes. Throws SourceSchemaError when no
 * design is there, or the chosen one is not.
 */
export async function detectSourceSchema(
  db: CommonQueryMethods,
  options: { choice?: SourceKind | undefined; mapping?: ReadonlyMap<string, string> },
): Promise<DetectedSource> {
  const rows = await db.any(sql.type(columnRow)`
    SELECT table_name::text AS table_name, column_name::text AS column_name, data_type::text AS data_type
    FROM information_schema.columns
    WHERE table_schema = current_schema() AND table_name = ANY(${sql.array(knownTables, "text")})
    ORDER BY table_name, ordinal_position`);
  const tables = new Map<string, Map<string, string>>();
  for (const row of rows) {
    let columns = tables.get(row.table_name);
    if (!columns) tables.set(row.table_name, (columns = new Map()));
    columns.set(row.column_name, row.data_type);
  }
  const found = designs.filter((design) => design.needs.every((table) => tables.has(table))).map((design) => design.kind);
  if (found.length === 0) {
    const present = [...tables.keys()];
    throw new SourceSchemaError(
      "the source holds neither design: no conversations + messages (minimal), no conversation_sessions + conversation_messages (LTST), " +
        `no conversation_memory, in schema current_schema()${present.length > 0 ? ` (found only: ${present.join(", ")})` : ""}`,
    );
  }
  const kind = options.choice ?? found[0]!;
  if (!found.includes(kind)) throw new SourceSchemaError(`--source ${kind}: the source does not hold it (found: ${found.join(", ")})`);
  const plan = planFor(kind, tables, options.mapping ?? new Map());
  const others = found.filter((other) => other !== kind && !(kind === "ltst" && other === "conversation_memory"));
  return {
    found,
    plan: others.length === 0 ? plan : { ...plan, notes: [...plan.notes, `also present, not read: ${others.join(", ")} (--source picks one)`] },
  };
}

function planFor(kind: SourceKind, tables: ReadonlyMap<string, TableColumns>, mapping: ReadonlyMap<string, string>): SourcePlan {
  switch (kind) {
    case "ltst":
      return ltstPlan(tables);
    case "minimal":
      return minimalPlan(tables);
    case "conversation_memory":
      return memoryPlan(tables.get("conversation_memory")!, mapping);
  }
}

/** What a span may say about one SQL statement. */
export type StatementSummary = {
  /** First keyword, upper case: SELECT, INSERT, WITH, ... ("" when none). */
  operation: string;
  /** The table the statement names first after FROM / INTO / UPDATE / TABLE, when one is found. */
  collection: string | undefined;
  /** "{operation} {collection}", or the operation alone: low-cardinality, for span names. */
  summary: string;
  /** The statement text, whitespace collapsed, comments and string literals removed, at most `maxTextLength` characters. */
  text: string;
};

const keyword = /^\s*([A-Za-z]+)/;
const target = /\b(?:FROM|INTO|UPDATE|TABLE|JOIN)\s+(?:ONLY\s+)?((?:"[^"]+"|[A-Za-z_][\w$]*)(?:\.(?:"[^"]+"|[A-Za-z_][\w$]*))?)/i;

/**
 * Summarises the SQL text of a statement for a span. The text slonik sends
 * carries its values as $1, $2, ... placeholders, never inline; string
 * literals written into the SQL itself (and comments) are replaced by '?'
 * anyway, so that a value inlined by mistake cannot reach a trace backend.
 */
export function summarizeStatement(sql: string, maxTextLength = 2048): StatementSummary {
  const text = sql
    .replace(/--[^\n]*/g, " ")
    .replace(/\/\*[\s\S]*?\*\//g, " ")
    .replace(/(?<![\w$])[Ee]'(?:[^'\\]|\\[\s\S]|'')*'|(?:(?<![\w$])(?:[BbXxNn]|[Uu]&))?'(?:[^']|'')*'/g, "'?'")
    .replace(/\$([A-Za-z_]\w*)?\$[\s\S]*?\$\1\$/g, "'?'")
    .replace(/\s+/g, " ")
    .trim();
  const operation = keyword.exec(text)?.[1]?.toUpperCase() ?? "";
  const collection = target.exec(text)?.[1];
  const summary = [operation, collection].filter(Boolean).join(" ");
  return {
    operation,
    collection,
    summary,
    text: text.length > maxTextLength ? `${text.slice(0, maxTextLength - 1)}…` : text,
  };
}

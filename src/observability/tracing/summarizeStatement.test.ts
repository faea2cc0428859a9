import { describe, expect, it } from "vitest";
import { summarizeStatement } from "./summarizeStatement.js";

describe("summarizeStatement", () => {
  it("names the operation and the first table, and collapses whitespace", () => {
    expect(summarizeStatement("\n  SELECT id, name\n  FROM sessions\n  WHERE user_id = $1\n")).toEqual({
      operation: "SELECT",
      collection: "sessions",
      summary: "SELECT sessions",
      text: "SELECT id, name FROM sessions WHERE user_id = $1",
    });
    expect(summarizeStatement("INSERT INTO public.messages (a) VALUES ($1)").summary).toBe("INSERT public.messages");
    expect(summarizeStatement('update "Weird Table" set x = $1').summary).toBe('UPDATE "Weird Table"');
    expect(summarizeStatement("DELETE FROM ONLY message_embedding_queue WHERE true").summary).toBe("DELETE message_embedding_queue");
    expect(summarizeStatement("SELECT 1").summary).toBe("SELECT");
    // A name ending in e or n before a literal is not taken for an E'' or N'' prefix.
    expect(summarizeStatement("SELECT * FROM t WHERE name='a\\' AND kn='b'").text).toBe("SELECT * FROM t WHERE name='?' AND kn='?'");
    expect(summarizeStatement("").summary).toBe("");
  });

  it("masks string literals, dollar-quoted strings and comments", () => {
    const { text } = summarizeStatement(
      "SELECT 'it''s secret' AS a, E'esc\\'d' AS b, $tag$dollar secret$tag$ AS c, $$plain secret$$ AS d -- secret comment\n" +
        "/* block secret */ FROM t WHERE x = $1",
    );
    expect(text).not.toMatch(/secret|esc/);
    expect(text).toBe("SELECT '?' AS a, '?' AS b, '?' AS c, '?' AS d FROM t WHERE x = $1");
  });

  it("truncates long statements", () => {
    const { text } = summarizeStatement(`SELECT ${"x, ".repeat(2000)}1`, 100);
    expect(text).toHaveLength(100);
    expect(text.endsWith("…")).toBe(true);
  });
});

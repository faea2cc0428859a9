import { SchemaValidationError, type QueryContext, type Query } from "slonik";
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { createResultParserInterceptor } from "./createResultParserInterceptor.js";

const interceptor = createResultParserInterceptor();
const query = { sql: "SELECT 1", values: [] } as unknown as Query;
const run = (resultParser: unknown, row: Record<string, unknown>) =>
  interceptor.transformRow!({ resultParser } as unknown as QueryContext, query, row as never, []);

describe("createResultParserInterceptor", () => {
  it("returns the parsed row, synchronously", () => {
    expect(run(z.object({ n: z.number(), at: z.coerce.date() }), { n: 1, at: "2026-01-02T03:04:05.000Z" })).toEqual({ n: 1, at: new Date("2026-01-02T03:04:05.000Z") });
  });

  it("leaves untyped queries alone", () => {
    const row = { anything: true };
    expect(run(undefined, row)).toBe(row);
  });

  it("fails a row that does not match with SchemaValidationError", () => {
    expect(() => run(z.object({ n: z.number() }), { n: "one" })).toThrow(SchemaValidationError);
  });

  it("refuses a schema that validates asynchronously, saying so", () => {
    expect(() => run(z.object({ n: z.number() }).refine(async () => true), { n: 1 })).toThrow(/asynchronously/);
  });
});

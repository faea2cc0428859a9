import { readFileSync } from "node:fs";
import { z } from "zod";
import { isId, limits } from "../validation/limits.js";

/** What a client certificate stands for, like an API key: a tenant, a role, and optionally one end user. */
export type ClientIdentity = {
  /** Matched against the certificate's subject common name (exactly one of cn and san is set). */
  readonly cn: string | null;
  /** Matched against one subjectAltName entry, written as Node prints it: `DNS:host`, `URI:spiffe://...`, `email:a@b`, `IP Address:10.0.0.1`. */
  readonly san: string | null;
  readonly tenantId: string;
  readonly role: "reader" | "writer" | "admin";
  readonly userId: string | null;
};

const id = (what: string) =>
  z.string().refine(isId, `${what} must be an id: letters, digits and ._:@+- (not first), at most ${limits.idMaxLength} characters`);

const entry = z
  .object({
    cn: z.string().min(1).max(1024).optional(),
    san: z
      .string()
      .regex(/^(DNS|URI|email|IP Address):.+$/, "san must be TYPE:value with TYPE one of DNS, URI, email, IP Address")
      .max(4096)
      .optional(),
    tenant: id("tenant"),
    role: z.enum(["reader", "writer", "admin"]),
    user_id: id("user_id").optional(),
  })
  .strict()
  .refine((value) => (value.cn === undefined) !== (value.san === undefined), "set exactly one of cn and san");

const file = z.object({ identities: z.array(entry).max(10_000) }).strict();

/**
 * Reads the LTST_TLS_CLIENT_IDENTITIES file:
 *
 *     { "identities": [
 *       { "cn": "ingest-worker", "tenant": "acme", "role": "writer" },
 *       { "san": "URI:spiffe://acme/gateway", "tenant": "acme", "role": "reader", "user_id": "u-42" } ] }
 *
 * A subject may appear once: two entries for the same cn or san would make
 * the mapping depend on their order. Problems name the entry and the field.
 */
export function loadClientIdentities(path: string): { identities: ClientIdentity[] } | { problem: string } {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (error) {
    return { problem: `cannot read ${path}: ${(error as Error).message}` };
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    return { problem: `${path} is not JSON: ${(error as Error).message}` };
  }
  const parsed = file.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const where = issue.path.length > 0 ? issue.path.join(".") : "(top level)";
    return { problem: `${path}: ${where}: ${issue.message}` };
  }
  const seen = new Set<string>();
  const identities: ClientIdentity[] = [];
  for (const [index, value] of parsed.data.identities.entries()) {
    const key = value.cn !== undefined ? `cn=${value.cn}` : `san=${value.san}`;
    if (seen.has(key)) return { problem: `${path}: identities.${index}: ${key} is mapped twice` };
    seen.add(key);
    identities.push({
      cn: value.cn ?? null,
      san: value.san ?? null,
      tenantId: value.tenant,
      role: value.role,
      userId: value.user_id ?? null,
    });
  }
  return { identities };
}

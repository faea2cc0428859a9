import { execFile } from "node:child_process";
import { mkdir, mkdtemp, readFile, rm, symlink, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, expect, it } from "vitest";
import { repositoryPath } from "../../src/paths.js";
import { describeEachBackend } from "../support/describeEachBackend.js";

/**
 * `ltst-memory/client` as another project sees it: the package is built the
 * way `npm run build` builds it (tsconfig.build.json) into a copy with this
 * package.json, and a consumer project that has it in its node_modules
 * imports it by name. Node resolves the `exports` map at run time, and tsc
 * (module NodeNext) resolves the declarations through the "types" condition;
 * docs/clients.md's client example typechecks against them and runs too.
 */

const run = promisify(execFile);
const tsc = repositoryPath("node_modules", ".bin", "tsc");

const CONSUMER = `
import { createMemoryClient, isServiceError, Role, SearchMode, status, type MemoryClient, type SearchResponse } from "ltst-memory/client";

const client: MemoryClient = createMemoryClient({ address: process.argv[2]!, defaultDeadlineMs: 10_000 });
const created = await client.sessions.createSession({ userId: "pkg", sessionId: "p1", name: "From the package" });
await client.messages.appendMessages({
  userId: "pkg",
  sessionId: "p1",
  messages: [{ role: Role.ROLE_USER, content: "hello from the package" }],
});
const responses: SearchResponse[] = [];
for await (const response of client.search.search({ userId: "pkg", query: "package", mode: SearchMode.SEARCH_MODE_LEXICAL })) {
  responses.push(response);
}
let missing = "";
try {
  await client.sessions.getSession({ userId: "pkg", sessionId: "nope" });
} catch (error) {
  if (isServiceError(error) && error.code === status.NOT_FOUND) missing = "NOT_FOUND";
}
client.close();
// The types are the generated ones, not any (checked by tsc, never run):
export function typeChecks(typed: MemoryClient) {
  // @ts-expect-error user_id is a string
  void typed.sessions.getSession({ userId: 42 });
  // @ts-expect-error no such RPC
  void typed.sessions.renameSession;
}
console.log(JSON.stringify({
  created: created.created,
  name: created.session?.name,
  hits: responses.filter((r) => r.hit).map((r) => r.hit!.message!.content),
  missing,
}));
`;

describeEachBackend(
  "ltst-memory/client as a package",
  (service) => {
    let dir = "";
    beforeAll(async () => {
      dir = await mkdtemp(path.join(os.tmpdir(), "ltst-client-package-"));
    });
    afterAll(async () => {
      if (dir) await rm(dir, { recursive: true, force: true });
    });

    it("builds, resolves by name through the exports map, typechecks and runs against the service", { timeout: 180_000 }, async () => {
      // The package: this package.json and the build output (its dependencies are this repository's).
      const pkg = path.join(dir, "ltst-memory");
      await mkdir(pkg);
      await writeFile(path.join(pkg, "package.json"), await readFile(repositoryPath("package.json")));
      await symlink(repositoryPath("node_modules"), path.join(pkg, "node_modules"), "dir");
      await run(tsc, ["-p", repositoryPath("tsconfig.build.json"), "--outDir", path.join(pkg, "dist")], { cwd: repositoryPath() });

      // The consumer: its own project, with the package (and Node's types) installed.
      const consumer = path.join(dir, "consumer");
      await mkdir(path.join(consumer, "node_modules", "@types"), { recursive: true });
      await symlink(pkg, path.join(consumer, "node_modules", "ltst-memory"), "dir");
      await symlink(repositoryPath("node_modules", "@types", "node"), path.join(consumer, "node_modules", "@types", "node"), "dir");
      await writeFile(path.join(consumer, "package.json"), JSON.stringify({ name: "consumer", private: true, type: "module" }));
      await writeFile(path.join(consumer, "main.ts"), CONSUMER);
      // The example of docs/clients.md, on this service's address.
      const readme = await readFile(repositoryPath("docs", "clients.md"), "utf8");
      const example = /<!-- client-example: begin -->\n```ts\n([\s\S]*?)```\n<!-- client-example: end -->/.exec(readme)?.[1];
      expect(example, "docs/clients.md's client example").toBeDefined();
      expect(example).toContain('"127.0.0.1:50051"');
      await writeFile(path.join(consumer, "readme-example.ts"), `${example!.replace("127.0.0.1:50051", `127.0.0.1:${service().service.port}`)}\nexport {};\n`);
      await writeFile(
        path.join(consumer, "tsconfig.json"),
        JSON.stringify({
          compilerOptions: { target: "ES2023", module: "NodeNext", moduleResolution: "NodeNext", strict: true, noEmit: true, types: ["node"] },
          files: ["main.ts", "readme-example.ts"],
        }),
      );
      const typecheck = await run(tsc, ["-p", "tsconfig.json"], { cwd: consumer }).catch((error: { stdout: string }) => error);
      expect(typecheck.stdout).toBe("");

      // Node 24 runs the TypeScript consumer directly (type stripping).
      const { stdout } = await run(process.execPath, ["main.ts", `127.0.0.1:${service().service.port}`], { cwd: consumer });
      expect(JSON.parse(stdout)).toEqual({ created: true, name: "From the package", hits: ["hello from the package"], missing: "NOT_FOUND" });
      const readmeRun = await run(process.execPath, ["readme-example.ts"], { cwd: consumer });
      expect(readmeRun.stdout.trim().split("\n")).toEqual([expect.stringMatching(/^\d+ of 2000 tokens$/), "SESSION_NOT_FOUND"]);
    });
  },
  { only: ["embedded"] },
);

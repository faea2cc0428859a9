// The direction of imports (ARCHITECTURE.md, "Direction of imports"), checked
// by `npm run lint:deps` in CI (.ci/run). Every rule is an error: an import
// that points upward fails the build. The rules apply to the service's own
// code; tests (*.test.ts, test/) may reach into any layer to set things up.
//
//   cli/ server/                 entry points and wiring
//     → grpc/                    transport
//     → domain/ (+ validation/)  rules, entity types, the ports the domain declares
//     → db/queries/              one SQL statement per file, on the port's connections
//   db/ embedding/ crypto/ indexing/   implement the domain's ports
//   lib/ tokens/                 leaves: import nothing from the project

/** Test code, excluded from the layer rules (not from the cycle check). */
const tests = "(^test/|\\.test\\.ts$)";

/**
 * The domain layer. `src/validation/` (the input limits, the page-token codec,
 * field shapes) is part of it: the domain's rules are stated in those limits,
 * and the validators throw the domain's InvalidArgumentError.
 */
const domainLayer = "^src/(domain|validation)/";

/**
 * Leaves every layer may use: `src/lib/` (small utilities such as aborting)
 * and `src/tokens/` (token counting: the domain's budgets are in tokens; it is
 * deterministic computation over gpt-tokenizer's encodings and imports nothing
 * from the project, its worker pool being passed in, as a TokenCounter, by
 * startService).
 */
const leaves = "^src/(lib|tokens)/";

/**
 * The statements: one SQL statement per file, taking a connection or
 * transaction of the domain's Database port and returning domain types. The
 * domain calls them directly. A repository port per area would put an
 * interface in front of each statement without a second implementation to
 * swap in (PGlite, PostgreSQL and Citus all run the same SQL), so the
 * statements are the one part of src/db the domain may import; the rule
 * below keeps them free of everything else in src/db.
 */
const statements = "^src/db/queries/";

/** Modules that implement the domain's ports. */
const implementations = "^src/(db|embedding|crypto|indexing)/";

module.exports = {
  forbidden: [
    {
      name: "no-circular",
      severity: "error",
      comment: "A cycle makes the layers meaningless: one of its imports points upward.",
      from: {},
      to: { circular: true },
    },
    {
      name: "leaves-import-nothing",
      severity: "error",
      comment: "src/lib and src/tokens are leaves: they import nothing from the project but each other's files.",
      from: { path: "^src/(lib|tokens)/", pathNot: tests },
      to: { path: "^(src|gen|test)/", pathNot: "^src/$1/" },
    },
    {
      name: "client-is-standalone",
      severity: "error",
      comment:
        "The published client (ltst-memory/client) imports only itself, the generated code and src/lib: nothing of the server.",
      from: { path: "^src/client/", pathNot: tests },
      to: { path: "^(src|test)/", pathNot: "^src/(client|lib)/" },
    },
    {
      name: "domain-imports-only-domain",
      severity: "error",
      comment:
        "The domain (with validation/) imports only itself, the leaves and the statements of src/db/queries; what it needs from outside (the database's connections and transactions, the embedder, the keyring, the clock) it declares as a port in src/domain/ports/.",
      from: { path: domainLayer, pathNot: tests },
      to: { path: "^(src|gen|test)/", pathNot: [domainLayer, leaves, statements].join("|") },
    },
    {
      name: "statements-are-statements",
      severity: "error",
      comment:
        "src/db/queries holds one SQL statement per file, run on the connection the domain's Database port hands out: each imports only other statements, the domain's types, ports and errors, and the leaves. It never reaches the pool, the embedded database, the transport or the entry points, so the domain calling it calls SQL, not the database's lifecycle.",
      from: { path: statements, pathNot: tests },
      // Besides: the API-key store's types, which src/auth declares and the
      // key statements return, and the COPY helper the import statements use.
      to: { path: "^(src|gen|test)/", pathNot: [statements, domainLayer, leaves, "^src/auth/ApiKeyStore\\.ts$", "^src/db/copyIn\\.ts$"].join("|") },
    },
    {
      name: "grpc-not-to-implementations",
      severity: "error",
      comment:
        "Handlers reach the database, the embedder and the keyring only through the domain; startService (src/server) wires the implementations in.",
      from: { path: "^src/grpc/", pathNot: tests },
      to: { path: implementations },
    },
    {
      name: "implementations-not-upward",
      severity: "error",
      comment:
        "db, embedding, crypto and indexing implement ports: they may import the domain's ports, errors and types, never the transport or the entry points.",
      from: { path: implementations, pathNot: tests },
      to: { path: "^src/(grpc|server|cli|client)/" },
    },
    {
      name: "nothing-imports-entry-points",
      severity: "error",
      comment: "cli/ and server/ are the top: only they import themselves (cli starts the server).",
      from: { path: "^src/", pathNot: ["^src/(cli|server)/", tests].join("|") },
      to: { path: "^src/(cli|server)/" },
    },
    {
      name: "grpc-not-to-entry-points-or-jobs",
      severity: "error",
      comment: "The transport does not reach the batch jobs beside the request path (import, maintenance).",
      from: { path: "^src/grpc/", pathNot: tests },
      to: { path: "^src/(import|maintenance)/" },
    },
    {
      name: "src-not-to-test",
      severity: "error",
      comment: "Shipped code never imports test support.",
      from: { path: "^src/", pathNot: tests },
      to: { path: "^test/" },
    },
  ],
  options: {
    doNotFollow: { path: "node_modules" },
    exclude: { path: "^(dist|node_modules)/" },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: "tsconfig.json" },
    enhancedResolveOptions: {
      exportsFields: ["exports"],
      conditionNames: ["import", "require", "node", "default", "types"],
      extensions: [".ts", ".js", ".json"],
    },
    reporterOptions: {
      text: { highlightFocused: true },
    },
  },
};

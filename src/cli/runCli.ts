import { ConfigError, loadConfig } from "../config/loadConfig.js";
import { DataDirLockedError } from "../db/lockDataDir.js";
import { runMigrations } from "../db/runMigrations.js";
import { startEmbeddedDatabase } from "../db/startEmbeddedDatabase.js";
import { createLogger } from "../observability/createLogger.js";
import { startService } from "../server/startService.js";

const usage = `ltst: LTST Memory, a gRPC memory service for LLM applications

Usage:
  ltst serve            run the gRPC server (embedded database unless DATABASE_URL is set)
  ltst migrate          apply pending database migrations and exit
  ltst model fetch      download the all-MiniLM-L6-v2 model into LTST_MODEL_DIR
  ltst keys create|list|revoke
                        manage API keys (see ltst keys --help)
  ltst export --user USER_ID [--address HOST:PORT] [--api-key KEY] [--cursor C] > user.jsonl
                        a user's whole data as JSON Lines, hash chains verified (see ltst export --help)
  ltst import --from POSTGRES_URL [--tenant T] [--dry-run] [--rejects FILE]
                        migrate a database of the earlier designs in (see ltst import --help)
  ltst preferences reencrypt [--batch-size N]
                        rewrite preferences under old keys (or unencrypted) with LTST_ENCRYPTION_KEY

Configuration is read from the environment; see docs/operations.md.`;

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  if (command === undefined || command === "help" || command === "--help" || command === "-h") {
    console.log(usage);
    return command === undefined ? 2 : 0;
  }
  if (command === "model") {
    if (rest[0] !== "fetch") {
      console.error("usage: ltst model fetch [--dir DIR] [--quantized]");
      return 2;
    }
    const { runModelFetchCli } = await import("../modelDownload/modelFetchCli.js");
    return runModelFetchCli(rest.slice(1), process.env);
  }

  const config = loadConfig(process.env);
  const logger = createLogger(config.LTST_LOG_LEVEL);

  if (command === "migrate") {
    const embedded = config.DATABASE_URL ? undefined : await startEmbeddedDatabase({ dataDir: config.LTST_DATA_DIR });
    try {
      const applied = await runMigrations({
        databaseUrl: config.DATABASE_URL ?? embedded!.url,
        log: (message) => logger.info({ component: "migrations" }, message),
      });
      logger.info({ applied }, applied.length === 0 ? "no pending migrations" : "migrations applied");
    } finally {
      await embedded?.stop();
    }
    return 0;
  }

  if (command === "keys") {
    const { runKeysCli } = await import("./keysCli.js");
    return runKeysCli(rest, config, logger);
  }

  if (command === "export") {
    const { exportUsage, runExportCli } = await import("./exportCli.js");
    if (rest.includes("--help") || rest.includes("-h")) {
      console.log(exportUsage);
      return 0;
    }
    return runExportCli(rest, config, logger);
  }
  if (command === "import") {
    const { importUsage, runImportCli } = await import("./importCli.js");
    if (rest.includes("--help") || rest.includes("-h")) {
      console.log(importUsage);
      return 0;
    }
    return runImportCli(rest, config, logger);
  }

  if (command === "preferences") {
    const { preferencesReencryptUsage, runPreferencesReencryptCli } = await import("./preferencesReencryptCli.js");
    if (rest[0] !== "reencrypt") {
      console.error(preferencesReencryptUsage);
      return 2;
    }
    return runPreferencesReencryptCli(rest.slice(1), config, logger);
  }

  if (command === "serve") {
    const service = await startService(config, logger);
    await new Promise<void>((resolve) => {
      const onSignal = (signal: NodeJS.Signals) => {
        logger.info({ signal }, "shutting down");
        process.off("SIGTERM", onSignal);
        process.off("SIGINT", onSignal);
        service.stop().then(resolve, (error: unknown) => {
          logger.error({ err: error }, "error during shutdown");
          resolve();
        });
      };
      process.on("SIGTERM", onSignal);
      process.on("SIGINT", onSignal);
    });
    return 0;
  }

  console.error(`unknown command ${JSON.stringify(command)}\n\n${usage}`);
  return 2;
}

/** Runs one `ltst` command line and sets the process exit code (main.ts is the executable). */
export function runCli(argv: string[]): Promise<void> {
  return main(argv).then(
    (code) => {
      process.exitCode = code;
    },
    (error: unknown) => {
      if (error instanceof ConfigError) {
        console.error(`ltst: ${error.message}`);
        process.exitCode = 78; // EX_CONFIG
        return;
      }
      if (error instanceof DataDirLockedError) {
        console.error(`ltst: ${error.message}`);
        process.exitCode = 75; // EX_TEMPFAIL: try again once the other process is done
        return;
      }
      console.error("ltst: fatal:", error);
      process.exitCode = 1;
    },
  );
}

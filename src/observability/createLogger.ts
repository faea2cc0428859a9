import { pino, type Logger } from "pino";

/** Structured JSON logs on stderr (pino), at the configured level. */
export function createLogger(level: string): Logger {
  return pino({ level, base: { service: "ltst-memory" } }, pino.destination(2));
}

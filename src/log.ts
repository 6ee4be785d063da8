import { writeSync } from "node:fs";
import type { Logger } from "./core/logger.ts";

export const LOG_LEVELS = ["debug", "info", "warn", "error"] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

export type AppLogger = Logger & {
  child(fields: Record<string, unknown>): AppLogger;
  /** Whether lines of this level are written (callers skip building debug fields when they are not). */
  enabled(level: LogLevel): boolean;
  /** Resolves once every line written so far has left the process (before exit). */
  flush(): Promise<void>;
  /** From now on each line is written before the call returns (the last lines before process.exit). */
  writeSync(): void;
};

/**
 * stdout as a pipe (journald, docker) takes lines asynchronously, and process.exit drops what it has not taken.
 * Lines go through one writer of fd 1 (Bun's FileSink): its flush resolves once the bytes are in the pipe or file.
 * (process.stdout.write's callback is no such promise under Bun: it fires once a line is buffered, so a line written
 * directly after it could overtake the lines still buffered, and "stopped" was not the last line.) Lines written in
 * one turn of the event loop go out together.
 */
let sink: ReturnType<typeof Bun.stdout.writer> | null = null;
let flushQueued = false;
/** A reader that went away (EPIPE) costs the lines, never the process. */
const settle = (pending: number | Promise<number> | undefined) => (typeof pending === "object" ? pending.catch(() => 0) : undefined);
const flushSoon = () => { flushQueued = false; void settle(sink?.flush()); };
let sync = false;
const stdout = (line: string) => {
  if (sync) return writeNow(line);
  sink ??= Bun.stdout.writer();
  sink.write(line);
  if (!flushQueued) { flushQueued = true; queueMicrotask(flushSoon); }
};
const flushStdout = async () => {
  const pending = settle(sink?.flush());
  if (pending === undefined) return;
  // A reader that never reads must not keep the process from exiting.
  await Promise.race([pending, new Promise<void>((resolve) => setTimeout(resolve, 5_000).unref())]);
};

/**
 * Writes `line` to fd 1 before returning, file, terminal or pipe alike. A pipe Bun made non-blocking answers EAGAIN
 * while full: wait for the reader, as long as flush would (a reader that never reads gets the line dropped).
 */
function writeNow(line: string): void {
  const bytes = Buffer.from(line);
  const until = Date.now() + 5_000;
  for (let at = 0; at < bytes.length;) {
    try {
      at += writeSync(1, bytes, at);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== "EAGAIN" || Date.now() > until) return;
      Bun.sleepSync(1);
    }
  }
}

/**
 * JSON lines on stdout, one object per line. Lines below `level` (by default HOOKGATE_LOG_LEVEL, else "info")
 * are not written; an unknown level writes one warning and keeps "info".
 */
export function createLogger(
  base: Record<string, unknown> = {},
  out: (line: string) => void = stdout,
  level: string | undefined = process.env.HOOKGATE_LOG_LEVEL,
  flush: () => Promise<void> = out === stdout ? flushStdout : async () => {},
): AppLogger {
  const toStdout = out === stdout;
  const known = level === undefined || level === "" || (LOG_LEVELS as readonly string[]).includes(level);
  const min = known && level ? LOG_LEVELS.indexOf(level as LogLevel) : 1;
  const write = (lvl: LogLevel, msg: string, fields?: Record<string, unknown>) =>
    out(`${JSON.stringify({ time: new Date().toISOString(), level: lvl, msg, ...base, ...fields })}\n`);
  const at = (lvl: LogLevel): Logger["info"] => (LOG_LEVELS.indexOf(lvl) >= min ? (msg, fields) => write(lvl, msg, fields) : () => {});
  const logger: AppLogger = {
    debug: at("debug"), info: at("info"), warn: at("warn"), error: at("error"),
    child: (fields) => createLogger({ ...base, ...fields }, out, LOG_LEVELS[min], flush),
    enabled: (lvl) => LOG_LEVELS.indexOf(lvl) >= min,
    flush,
    writeSync: () => { if (toStdout) sync = true; },
  };
  if (!known) write("warn", `HOOKGATE_LOG_LEVEL "${level}" is not a level: use debug, info, warn or error (logging at info)`);
  return logger;
}

export const silentLogger: Logger = { debug() {}, info() {}, warn() {}, error() {} };

// Summarizer lives in core (a logging port the domain uses); kept importable from here.
export { Summarizer } from "./core/logger.ts";

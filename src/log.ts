import type { Logger } from "./plugin-api/index.ts";

/**
 * JSON lines on stdout, one object per line. Debug lines are written only when `level` (by default
 * HOOKGATE_LOG_LEVEL) is "debug"; every other level always is.
 */
export function createLogger(
  base: Record<string, unknown> = {},
  out: (line: string) => void = (l) => process.stdout.write(l),
  level: string | undefined = process.env.HOOKGATE_LOG_LEVEL,
): Logger & { child(fields: Record<string, unknown>): Logger } {
  const write = (level: string, msg: string, fields?: Record<string, unknown>) =>
    out(`${JSON.stringify({ time: new Date().toISOString(), level, msg, ...base, ...fields })}\n`);
  const debug = level === "debug";
  return {
    debug: debug ? (msg, fields) => write("debug", msg, fields) : () => {},
    info: (msg, fields) => write("info", msg, fields),
    warn: (msg, fields) => write("warn", msg, fields),
    error: (msg, fields) => write("error", msg, fields),
    child: (fields) => createLogger({ ...base, ...fields }, out, level),
  };
}

export const silentLogger: Logger = { debug() {}, info() {}, warn() {}, error() {} };

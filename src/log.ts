import type { Logger } from "./plugin-api/index.ts";

/** JSON lines on stdout, one object per line. */
export function createLogger(base: Record<string, unknown> = {}, out: (line: string) => void = (l) => process.stdout.write(l)): Logger & { child(fields: Record<string, unknown>): Logger } {
  const write = (level: string, msg: string, fields?: Record<string, unknown>) =>
    out(`${JSON.stringify({ time: new Date().toISOString(), level, msg, ...base, ...fields })}\n`);
  return {
    info: (msg, fields) => write("info", msg, fields),
    warn: (msg, fields) => write("warn", msg, fields),
    error: (msg, fields) => write("error", msg, fields),
    child: (fields) => createLogger({ ...base, ...fields }, out),
  };
}

export const silentLogger: Logger = { info() {}, warn() {}, error() {} };

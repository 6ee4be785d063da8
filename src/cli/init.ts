import { existsSync, mkdirSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import config from "./starter/webhooks.config.ts.txt" with { type: "text" };
import tsconfig from "./starter/tsconfig.json.txt" with { type: "text" };
import { MODULE_TYPES } from "./module-types.ts";

/**
 * `hookgate init [DIR]`: a commented starter config, the "hookgate" module's types and a tsconfig.json that
 * includes them, so an editor type-checks the config with no node_modules. An existing file is never touched.
 */
export function init(dir = "."): { written: string[]; skipped: string[] } {
  const folder = resolve(dir);
  mkdirSync(folder, { recursive: true });
  const files: [string, string][] = [["webhooks.config.ts", config], ["hookgate.d.ts", MODULE_TYPES], ["tsconfig.json", tsconfig]];
  const result = { written: [] as string[], skipped: [] as string[] };
  for (const [name, text] of files) {
    const path = join(folder, name);
    if (existsSync(path)) { result.skipped.push(path); continue; }
    writeFileSync(path, text, { flag: "wx" });
    result.written.push(path);
  }
  return result;
}

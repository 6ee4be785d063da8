import { builtinPlugins } from "../../plugins/index.ts";
import { loadConfig, resolveConfigPath, type LoadedConfig } from "../config/load.ts";

export function fail(message: string, code = 1): never {
  process.stderr.write(`${message}\n`);
  process.exit(code);
}

/** Loads the config named by `--config` (else HOOKGATE_CONFIG, else ./webhooks.config.ts), or exits 1 listing every problem. */
export async function loadOrExit(flag: string | undefined): Promise<LoadedConfig> {
  const path = resolveConfigPath(flag);
  const result = await loadConfig(path, builtinPlugins);
  if (!result.ok) {
    fail(`hookgate: ${path} has ${result.problems.length} problem(s):\n${result.problems.map((p) => `  ${p.path}: ${p.message}`).join("\n")}`);
  }
  return result.loaded;
}

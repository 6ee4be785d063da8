import type { ConfigInput } from "./schema.ts";

/** Thrown while a config module loads: it names the variable and what to do. */
export class ConfigLoadError extends Error {
  override name = "ConfigLoadError";
}

export function defineConfig(config: ConfigInput): ConfigInput {
  return config;
}

/** What env() returns for an unset variable while the loader collects them (load.ts reports each where it lands). */
export const UNSET_PREFIX = "\u0000hookgate:unset-env:";
let collecting: Set<string> | null = null;

export function unsetEnvMessage(name: string): string {
  return `env("${name}") is not set: export ${name}=... before starting hookgate, or pass a default as env("${name}", "...")`;
}

/** Reads an environment variable; the config fails to load with a clear message when it is unset. */
export function env(name: string, fallback?: string): string {
  const value = process.env[name];
  if (value !== undefined && value !== "") return value;
  if (fallback !== undefined) return fallback;
  if (collecting) {
    collecting.add(name);
    return `${UNSET_PREFIX}${name}`;
  }
  throw new ConfigLoadError(unsetEnvMessage(name));
}

/**
 * Runs `load` with env() noting unset variables instead of throwing at the first, so one `check` names them
 * all. The loader never lets the placeholders out: a config with any unset variable fails.
 */
export async function collectUnsetEnv<T>(load: () => Promise<T>): Promise<{ value: T; unset: string[] }> {
  const outer = collecting;
  const names = new Set<string>();
  collecting = names;
  try {
    return { value: await load(), unset: [...names] };
  } finally {
    collecting = outer;
  }
}

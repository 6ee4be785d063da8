import type { ConfigInput } from "./schema.ts";

/** Thrown while a config module loads: it names the variable and what to do. */
export class ConfigLoadError extends Error {
  override name = "ConfigLoadError";
}

export function defineConfig(config: ConfigInput): ConfigInput {
  return config;
}

/** Reads an environment variable; the config fails to load with a clear message when it is unset. */
export function env(name: string, fallback?: string): string {
  const value = process.env[name];
  if (value !== undefined && value !== "") return value;
  if (fallback !== undefined) return fallback;
  throw new ConfigLoadError(`env("${name}") is not set: export ${name}=... before starting hookgate, or pass a default as env("${name}", "...")`);
}

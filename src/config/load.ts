import { existsSync } from "node:fs";
import { dirname, isAbsolute, resolve } from "node:path";
import * as v from "valibot";
import type { PluginRegistry } from "../plugin-api/index.ts";
import { ConfigSchema, type Config } from "./schema.ts";
import { toProblems, type Problem } from "./problems.ts";
import { registerHookgateModule } from "./module.ts";
import { collectUnsetEnv } from "./define.ts";
import { crossChecks, partsOf } from "./cross-checks.ts";
import { unplacedEnvProblems, unsetEnvProblems } from "./unset-env.ts";
import { importDefault, type LoadedSource } from "./plugins.ts";
import { storePathProblem } from "./store-path.ts";
import { resolveLogo } from "./portal.ts";

export type { LoadedSource } from "./plugins.ts";

export interface LoadedConfig {
  path: string;
  dir: string;
  config: Config;
  sources: LoadedSource[];
}

export type LoadResult = { ok: true; loaded: LoadedConfig } | { ok: false; path: string; problems: Problem[] };

export function resolveConfigPath(flag: string | undefined): string {
  return resolve(flag ?? process.env.HOOKGATE_CONFIG ?? "./webhooks.config.ts");
}

/**
 * Loads the config file at `path`; its `sources` name a plugin of `plugins` by type (the CLI passes the
 * built-ins). A failing file answers every problem at once: all unset variables, the schema's and the later checks'.
 */
export async function loadConfig(path: string, plugins: PluginRegistry): Promise<LoadResult> {
  registerHookgateModule();
  if (!existsSync(path)) {
    return { ok: false, path, problems: [{ path: "(file)", message: `${path} does not exist (pass --config PATH or set HOOKGATE_CONFIG)` }] };
  }
  const { value: result, unset } = await collectUnsetEnv(async () => {
    const imported = await importDefault(path);
    if (imported.error) return { ok: false, path, problems: [{ path: "(file)", message: imported.error }] } satisfies LoadResult;
    return resolveConfig(imported.value, path, plugins);
  });
  if (!unset.length) return result;
  // A placeholder the config transformed (Number(env("PORT"))) or that made the import throw is named too.
  const problems = result.ok ? [] : result.problems;
  return { ok: false, path, problems: [...unplacedEnvProblems(unset, problems), ...problems] };
}

/** Validates a config value as if it had been loaded from `path` (relative paths resolve beside it). */
export async function resolveConfig(value: unknown, path: string, plugins: PluginRegistry): Promise<LoadResult> {
  registerHookgateModule();
  const dir = dirname(path);
  const parsed = v.safeParse(ConfigSchema, value);
  const parts = partsOf(parsed.success ? parsed.output : value);
  const later = await crossChecks(parts, dir, plugins);
  const sqlite = parts.store.postgres ? null : resolveSqlite(parts.store.sqlite, dir);
  const storeProblem = sqlite ? storePathProblem(sqlite) : null;
  const logoFile = parsed.success ? parsed.output.portal.brand.logo : undefined;
  const logo = logoFile === undefined ? null : resolveLogo(logoFile, dir);
  const found = [
    ...(parsed.success ? [] : toProblems(parsed.issues)),
    ...later.problems,
    ...(storeProblem ? [{ path: "store.sqlite", message: storeProblem }] : []),
    ...(logo && !logo.ok ? [{ path: "portal.brand.logo", message: logo.message }] : []),
  ];
  const problems = unsetEnvProblems(value, found);
  if (problems.length || !parsed.success) return { ok: false, path, problems };
  const config = parsed.output;
  if (sqlite) config.store.sqlite = sqlite;
  if (logo?.ok) config.portal.brand.logo = logo.dataUrl;
  return { ok: true, loaded: { path, dir, config, sources: later.sources } };
}

/** Relative SQLite paths resolve against the config file's folder. */
function resolveSqlite(file = "./data/hookgate.db", dir: string): string {
  return file === ":memory:" || isAbsolute(file) ? file : resolve(dir, file);
}

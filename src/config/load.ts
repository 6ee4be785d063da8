import { existsSync } from "node:fs";
import { dirname, isAbsolute, resolve } from "node:path";
import * as v from "valibot";
import type { PluginDefinition, PluginRegistry } from "../plugin-api/index.ts";
import { ConfigSchema, type Config } from "./schema.ts";
import { formatPath, toProblems, type Problem } from "./problems.ts";
import { checkEndpoint } from "./endpoint-checks.ts";
import { registerHookgateModule } from "./module.ts";
import { parseCidr } from "../outbound/address.ts";
import { unlistedTypes } from "../core/patterns.ts";
import { OPERATIONAL_CATALOG } from "../core/operational-events.ts";

export interface LoadedSource {
  id: string;
  type: string;
  plugin: PluginDefinition;
  options: unknown;
}

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

async function importDefault(path: string): Promise<{ value?: unknown; error?: string }> {
  try {
    const mod = await import(path);
    if (mod.default === undefined) return { error: "the module has no default export (export default defineConfig({ ... }))" };
    return { value: mod.default };
  } catch (e) {
    return { error: e instanceof Error ? e.message : String(e) };
  }
}

/** Loads the config file at `path`; its `sources` name a plugin of `plugins` by type (the CLI passes the built-ins). */
export async function loadConfig(path: string, plugins: PluginRegistry): Promise<LoadResult> {
  registerHookgateModule();
  if (!existsSync(path)) {
    return { ok: false, path, problems: [{ path: "(file)", message: `${path} does not exist (pass --config PATH or set HOOKGATE_CONFIG)` }] };
  }
  const imported = await importDefault(path);
  if (imported.error) return { ok: false, path, problems: [{ path: "(file)", message: imported.error }] };
  return resolveConfig(imported.value, path, plugins);
}

/** Validates a config value as if it had been loaded from `path` (relative paths resolve beside it). */
export async function resolveConfig(value: unknown, path: string, plugins: PluginRegistry): Promise<LoadResult> {
  registerHookgateModule();
  const parsed = v.safeParse(ConfigSchema, value);
  if (!parsed.success) return { ok: false, path, problems: toProblems(parsed.issues) };
  const config = parsed.output;
  const dir = dirname(path);
  const problems: Problem[] = [];

  const validNetworks = config.delivery.allowNetworks.filter((cidr, i) => {
    try { parseCidr(cidr); return true; } catch (e) {
      problems.push({ path: `delivery.allowNetworks[${i}]`, message: (e as Error).message });
      return false;
    }
  });
  const seen = new Set<string>();
  config.endpoints.forEach((endpoint, i) => {
    if (seen.has(endpoint.id)) problems.push({ path: `endpoints[${i}].id`, message: `"${endpoint.id}" is used by another endpoint: ids must be unique` });
    seen.add(endpoint.id);
    problems.push(...checkEndpoint(endpoint, { ...config.delivery, allowNetworks: validNetworks }, `endpoints[${i}]`));
    for (const { index, type } of unlistedTypes(endpoint.events, config.events, OPERATIONAL_CATALOG)) {
      problems.push({ path: `endpoints[${i}].events[${index}]`, message: `unknown event type "${type}" (list it in events, or use a "prefix.*" pattern)` });
    }
  });

  const sources: LoadedSource[] = [];
  const sourceIds = new Set<string>();
  for (const [i, entry] of config.sources.entries()) {
    const at = (key?: string) => formatPath(key ? ["sources", i, key] : ["sources", i]);
    if (sourceIds.has(entry.id)) problems.push({ path: at("id"), message: `"${entry.id}" is used by another source: ids must be unique` });
    sourceIds.add(entry.id);
    const resolved = await resolvePlugin(entry, dir, plugins);
    if ("error" in resolved) { problems.push({ path: at(resolved.key), message: resolved.error }); continue; }
    const result = v.safeParse(resolved.plugin.options, resolved.rawOptions);
    if (!result.success) { problems.push(...toProblems(result.issues, resolved.prefix(i))); continue; }
    sources.push({ id: entry.id, type: entry.type, plugin: resolved.plugin, options: result.output });
  }

  if (problems.length) return { ok: false, path, problems };
  if (!config.store.postgres) {
    const file = config.store.sqlite ?? "./data/hookgate.db";
    config.store.sqlite = file === ":memory:" || isAbsolute(file) ? file : resolve(dir, file);
  }
  return { ok: true, loaded: { path, dir, config, sources } };
}

async function resolvePlugin(entry: Record<string, unknown> & { type: string; id: string }, dir: string, plugins: PluginRegistry):
  Promise<{ plugin: PluginDefinition; rawOptions: unknown; prefix: (i: number) => (string | number)[] } | { key?: string; error: string }> {
  if (entry.type === "plugin") {
    const { type: _t, id: _i, module, options, ...rest } = entry;
    const extra = Object.keys(rest)[0];
    if (extra) return { key: extra, error: "unknown key (a plugin source takes type, id, module and options)" };
    if (typeof module !== "string") return { key: "module", error: 'must name the plugin file, e.g. "./plugins/my-source.ts"' };
    const file = resolve(dir, module);
    if (!existsSync(file)) return { key: "module", error: `${file} does not exist` };
    const imported = await importDefault(file);
    if (imported.error) return { key: "module", error: imported.error };
    const plugin = imported.value as PluginDefinition;
    if (!plugin || typeof plugin.create !== "function" || typeof plugin.options !== "object") {
      return { key: "module", error: "the default export must be definePlugin({ type, options, create })" };
    }
    return { plugin, rawOptions: options ?? {}, prefix: (i) => ["sources", i, "options"] };
  }
  const plugin = plugins.get(entry.type);
  if (!plugin) {
    return { key: "type", error: `unknown source type "${entry.type}" (one of: ${[...plugins.keys(), "plugin"].join(", ")})` };
  }
  const { type: _t, id: _i, ...options } = entry;
  return { plugin, rawOptions: options, prefix: (i) => ["sources", i] };
}

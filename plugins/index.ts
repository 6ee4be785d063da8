import type { PluginDefinition, PluginRegistry } from "../src/plugin-api/index.ts";
import http from "./http/index.ts";
import poll from "./poll/index.ts";
import postgres from "./postgres/index.ts";

/** Plugins keyed by their own `type`. Two of one type would make one of them unreachable: that is refused. */
export function pluginRegistry(plugins: readonly PluginDefinition[]): PluginRegistry {
  const registry = new Map<string, PluginDefinition>();
  for (const plugin of plugins) {
    if (plugin.type === "plugin") throw new Error('a built-in plugin cannot have type "plugin": the config uses it for a plugin file ({ type: "plugin", module })');
    if (registry.has(plugin.type)) throw new Error(`two built-in plugins have type "${plugin.type}": give each its own type`);
    registry.set(plugin.type, plugin);
  }
  return registry;
}

/**
 * The built-in sources, in the order `hookgate check` names them. A user's own plugin is
 * `{ type: "plugin", module: "./file.ts" }` in the config.
 */
export const builtinPlugins = pluginRegistry([http, postgres, poll] as PluginDefinition[]);

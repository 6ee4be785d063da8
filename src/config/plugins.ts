import { existsSync } from "node:fs";
import { resolve } from "node:path";
import type { PluginDefinition, PluginRegistry } from "../plugin-api/index.ts";
import { freshImport } from "./fresh-import.ts";
import { importErrorMessage } from "./import-error.ts";

export interface LoadedSource {
  id: string;
  type: string;
  plugin: PluginDefinition;
  options: unknown;
}

/** A config or plugin file's default export, imported afresh (a reload sees the edited file), or Bun's message. */
export async function importDefault(path: string): Promise<{ value?: unknown; error?: string }> {
  try {
    const mod = await freshImport(path);
    if (mod.default === undefined) return { error: "the module has no default export (export default defineConfig({ ... }))" };
    return { value: mod.default };
  } catch (e) {
    return { error: importErrorMessage(e) };
  }
}

/** The plugin a source entry names: a built-in by `type`, or `type: "plugin"` with its `module` file. */
export async function resolvePlugin(entry: Record<string, unknown> & { type: string; id: string }, dir: string, plugins: PluginRegistry):
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

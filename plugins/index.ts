import type { PluginDefinition } from "../src/plugin-api/index.ts";
import http from "./http/index.ts";
import poll from "./poll/index.ts";
import postgres from "./postgres/index.ts";

/** The built-in sources. A user's own plugin is `{ type: "plugin", module: "./file.ts" }` in the config. */
export const builtinPlugins: Record<string, PluginDefinition> = {
  http: http as PluginDefinition,
  postgres: postgres as PluginDefinition,
  poll: poll as PluginDefinition,
};

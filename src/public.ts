/** The module "hookgate" that config and plugin files import, inside the binary and for editors. */
export * as v from "valibot";
export { defineConfig, env } from "./config/define.ts";
export type { Config, ConfigInput, EndpointConfig } from "./config/schema.ts";
export { definePlugin, InvalidEventsError } from "./plugin-api/index.ts";
export type {
  EmitResult, EventInput, Logger, PluginDefinition, Source, SourceContext, SourceRoute, SourceState,
} from "./plugin-api/index.ts";

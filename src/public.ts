/** The module "hookgate" that config and plugin files import, inside the binary and for editors. */
export * as v from "valibot";
export { defineConfig, env } from "./config/define.ts";
export type { Config, ConfigInput, EndpointConfig } from "./config/schema.ts";
export type { EventView, HeaderFn, TransformFn } from "./core/event-view.ts";
export { backoff, definePlugin, Duration, InvalidEventsError, MAX_DEPTH, OutboundError, sleep, textTooDeep, valueTooDeep } from "./plugin-api/index.ts";
export type {
  CheckedFetch, CheckedFetchInit, CheckedResponse, EmitOptions, EmitResult, EventInput, Logger, PluginDefinition, Source, SourceContext, SourceRoute, SourceState, SourceStatus,
} from "./plugin-api/index.ts";

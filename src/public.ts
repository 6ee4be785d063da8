/** The module "hookgate" that config and plugin files import, inside the binary and for editors. */
export * as v from "valibot";
export { defineConfig, env } from "./config/define.ts";
export type { Config, ConfigInput, EndpointConfig } from "./config/schema.ts";
export type { EventView, HeaderFn, TransformFn } from "./core/event-view.ts";
export {
  Auth, backoff, bearerToken, definePlugin, Duration, emitEach, EventPattern, EventTypeName, findToken, formatPath, HeaderName, HeaderValue, InvalidEventsError, isValidPattern,
  matchesAny, matchesPattern, MAX_DEPTH, OutboundError, problem, problemBody, readBody, sleep, Summarizer, textTooDeep, TOO_DEEP, valueTooDeep,
} from "./plugin-api/index.ts";
export type {
  CheckedFetch, CheckedFetchInit, CheckedResponse, EmitEach, EmitOptions, EmitResult, EventInput, Logger, PathPart, PluginDefinition, ProblemBody,
  Source, SourceContext, SourceRoute, SourceState, SourceStatus,
} from "./plugin-api/index.ts";

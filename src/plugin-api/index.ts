/** All a source plugin may use; the built-ins under plugins/ import nothing else from src/. */
export { definePlugin, InvalidEventsError } from "./source.ts";
export type {
  EmitOptions, EmitResult, EventInput, Logger, PluginDefinition, PluginRegistry, Source, SourceContext, SourceRoute, SourceState, SourceStatus,
} from "./source.ts";
export { emitEach, type EmitEach } from "./emit-each.ts";
export { backoff, sleep } from "./backoff.ts";
/** A Postgres connection of the source's own (LISTEN), named in pg_stat_activity and made again after a loss. */
export { PgConnection, type PgConnectionHooks, type PgConnectionOptions } from "./pg-connection.ts";
/** The pg driver, loaded on first use (a gateway that never talks to Postgres never loads it). */
export { pgDriver } from "./pg-driver.ts";
export { Duration, EventPattern, EventTypeName, TenantId } from "./schemas.ts";
export { Auth, HeaderName, HeaderValue } from "./headers.ts";
/** Repeated log lines of one kind: the first, then one line per interval with how many were held back. */
export { Summarizer } from "../log.ts";
export { OutboundError } from "../outbound/checked-fetch.ts";
export type { CheckedFetch, CheckedFetchInit, CheckedResponse } from "../outbound/checked-fetch.ts";
/** For sources that read raw JSON: check its nesting before JSON.parse (event data may nest MAX_DEPTH deep). */
export { MAX_DEPTH, textTooDeep, TOO_DEEP, valueTooDeep, type PathPart } from "../core/json-depth.ts";
/** A problem's path the way hookgate writes it: `[3].data.amount`. */
export { formatPath } from "../config/problems.ts";
/** For sources that serve a route (ctx.route): answers as hookgate gives them, and the body read within a limit. */
export { problem, problemBody, type ProblemBody } from "./problem.ts";
export { readBody } from "./read-body.ts";
/** Bearer tokens compared in constant time, as the admin API does. */
export { bearerToken, findToken } from "../core/tokens.ts";
/** Event-type patterns: an exact type, `*`, or `prefix.*`. */
export { isValidPattern, matchesAny, matchesPattern } from "../core/patterns.ts";

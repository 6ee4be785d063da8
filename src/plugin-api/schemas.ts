/** A duration option as the config writes it ("30s", "2m", or milliseconds), read as milliseconds. */
export { DurationMs as Duration } from "../core/values.ts";
export { EventPattern, EventTypeName, TenantId } from "../core/values.ts";

import * as v from "valibot";
import type { EventInput } from "./event-input.ts";
import type { EventRow } from "../store/schema.ts";
import type { EventView } from "./event-view.ts";
import { MAX_DEPTH, TOO_DEEP, valueTooDeep } from "./json-depth.ts";
import { formatPath } from "./paths.ts";
import { EVENT_TYPE_RULE, isOperationalType, isValidEventType, MAX_TYPE_LENGTH } from "./patterns.ts";
import { TENANT_RULE, TenantId, type Catalog } from "./values.ts";

export interface EventProblem { path: string; message: string }

const MAX_KEY = 255;
const KEYS = ["type", "data", "id", "timestamp", "tenant", "orderingKey"];
const MAX_ORDERING_KEY = 256;
const CONTROL = /[\u0000-\u001f\u007f]/;

/** The config's `example` for `type`, if its catalog entry has one (a test event sends it when given no data). */
export function catalogExample(catalog: object | undefined, type: string): unknown {
  if (!catalog || !Object.hasOwn(catalog, type)) return undefined;
  return (catalog as Record<string, { example?: unknown } | undefined>)[type]?.example;
}

/**
 * Checks one event input against the catalog; problems carry paths relative to the event. `hookgate.*` types are
 * hookgate's own (operational events, checked against their own catalog with `own`): a source cannot forge them.
 */
export function validateEvent(input: unknown, catalog: Catalog, own = false): EventProblem[] {
  if (typeof input !== "object" || input === null || Array.isArray(input)) return [{ path: "", message: "must be an object { type, data }" }];
  const e = input as Record<string, unknown>;
  const problems: EventProblem[] = [];
  for (const key of Object.keys(e)) {
    if (!KEYS.includes(key)) problems.push({ path: key, message: "unknown key (an event has type, data, id, timestamp, tenant and orderingKey)" });
  }
  // Before anything walks `data` (a schema, JSON.stringify), and without recursion itself.
  const tooDeep = valueTooDeep(e.data, MAX_DEPTH) !== null;
  const entry = typeof e.type === "string" && catalog && Object.hasOwn(catalog, e.type) ? catalog[e.type] : undefined;
  if (typeof e.type !== "string") {
    problems.push({ path: "type", message: `is required: a string that ${EVENT_TYPE_RULE.slice("must be ".length)}` });
  } else if (!isValidEventType(e.type)) {
    problems.push({ path: "type", message: `${JSON.stringify(e.type.slice(0, MAX_TYPE_LENGTH))} is not an event type: ${EVENT_TYPE_RULE}` });
  } else if (!own && isOperationalType(e.type)) {
    problems.push({ path: "type", message: `"${e.type}": hookgate.* types are hookgate's own operational events, a source cannot send them (pick another name)` });
  } else if (catalog && !entry) {
    problems.push({ path: "type", message: `unknown event type "${e.type}" (add it to events in the config)` });
  } else if (entry?.schema && e.data !== undefined && !tooDeep) {
    const result = v.safeParse(entry.schema, e.data);
    if (!result.success) {
      for (const issue of result.issues) {
        problems.push({ path: formatPath(["data", ...(issue.path ?? []).map((p) => p.key as string | number)]), message: issue.message });
      }
    }
  }
  if (e.data === undefined) problems.push({ path: "data", message: "is required (any JSON value)" });
  if (tooDeep) problems.push({ path: "data", message: TOO_DEEP });
  if (e.id !== undefined && (typeof e.id !== "string" || e.id.length === 0 || e.id.length > MAX_KEY)) {
    problems.push({ path: "id", message: `must be a string of 1-${MAX_KEY} characters` });
  }
  if (e.timestamp !== undefined && (typeof e.timestamp !== "string" || Number.isNaN(Date.parse(e.timestamp)))) {
    problems.push({ path: "timestamp", message: "must be an ISO-8601 date-time" });
  }
  if (e.tenant !== undefined && !v.is(TenantId, e.tenant)) problems.push({ path: "tenant", message: TENANT_RULE });
  if (e.orderingKey !== undefined && (typeof e.orderingKey !== "string" || e.orderingKey.length === 0 || e.orderingKey.length > MAX_ORDERING_KEY || CONTROL.test(e.orderingKey))) {
    problems.push({ path: "orderingKey", message: `must be a string of 1-${MAX_ORDERING_KEY} characters without control characters` });
  }
  return problems;
}

/**
 * The stored dedupe key: the client's key within the source, or within (source, scope) when the source scopes
 * keys (the http source: per token), and within the event's tenant (DESIGN §9: one tenant's key never makes another
 * tenant's event a duplicate). Scope and tenant are length-prefixed so no pair can pass for another. A tenant-less
 * key is what it was before tenants, so a client's retry across an upgrade is still its duplicate.
 */
export function dedupeKey(key: string, scope?: string, tenant?: string): string {
  const scoped = scope === undefined ? `k:${key}` : `s:${scope.length}:${scope}:${key}`;
  return tenant === undefined ? scoped : `t:${tenant.length}:${tenant}:${scoped}`;
}

let isoMs = Number.NaN;
let isoText = "";

/** `now` as ISO 8601, built once per millisecond: a burst of events shares one Date and one string. */
function isoAt(now: number): string {
  if (now !== isoMs) { isoMs = now; isoText = new Date(now).toISOString(); }
  return isoText;
}

export function toEventRow(id: string, source: string, input: EventInput, now: number, scope?: string): EventRow {
  const timestamp = input.timestamp ? new Date(input.timestamp).toISOString() : isoAt(now);
  return {
    id, source, type: input.type, timestamp,
    data: JSON.stringify(input.data),
    dedupe_key: input.id !== undefined ? dedupeKey(input.id, scope, input.tenant) : id,
    idempotency_key: input.id ?? null,
    received_at: now,
    tenant: input.tenant ?? null,
    ordering_key: input.orderingKey ?? null,
  };
}

const bodies = new WeakMap<EventRow, string>();

/**
 * The delivery body, built from the stored JSON text without re-parsing, once per event. `tenant` is there only
 * when the event has one, so a global event's body stays as it was before tenants.
 */
export function eventBody(event: EventRow): string {
  let body = bodies.get(event);
  if (body === undefined) {
    const tenant = event.tenant === null ? "" : `"tenant":${JSON.stringify(event.tenant)},`;
    body = `{"id":${JSON.stringify(event.id)},"type":${JSON.stringify(event.type)},"timestamp":${JSON.stringify(event.timestamp)},${tenant}"data":${event.data}}`;
    bodies.set(event, body);
  }
  return body;
}

export function eventView(event: EventRow): EventView {
  return { id: event.id, type: event.type, timestamp: event.timestamp, data: JSON.parse(event.data), source: event.source, tenant: event.tenant, orderingKey: event.ordering_key ?? null };
}

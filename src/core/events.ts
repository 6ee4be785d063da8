import * as v from "valibot";
import type { Config } from "../config/schema.ts";
import { formatPath } from "../config/problems.ts";
import type { EventInput } from "../plugin-api/index.ts";
import type { EventRow } from "../store/schema.ts";
import type { EventView } from "./endpoints.ts";

type Catalog = Config["events"];
export interface EventProblem { path: string; message: string }

const MAX_KEY = 255;

/** Checks one event input against the catalog; problems carry paths relative to the event. */
export function validateEvent(input: unknown, catalog: Catalog): EventProblem[] {
  if (typeof input !== "object" || input === null || Array.isArray(input)) return [{ path: "", message: "must be an object { type, data }" }];
  const e = input as Record<string, unknown>;
  const problems: EventProblem[] = [];
  for (const key of Object.keys(e)) {
    if (!["type", "data", "id", "timestamp"].includes(key)) problems.push({ path: key, message: "unknown key (an event has type, data, id and timestamp)" });
  }
  if (typeof e.type !== "string" || e.type.length === 0 || e.type.length > 200) {
    problems.push({ path: "type", message: "is required: a string of 1-200 characters" });
  } else if (catalog && !(e.type in catalog)) {
    problems.push({ path: "type", message: `unknown event type "${e.type}" (add it to events in the config)` });
  } else if (catalog?.[e.type]?.schema && e.data !== undefined) {
    const result = v.safeParse(catalog[e.type]!.schema!, e.data);
    if (!result.success) {
      for (const issue of result.issues) {
        problems.push({ path: formatPath(["data", ...(issue.path ?? []).map((p) => p.key as string | number)]), message: issue.message });
      }
    }
  }
  if (e.data === undefined) problems.push({ path: "data", message: "is required (any JSON value)" });
  if (e.id !== undefined && (typeof e.id !== "string" || e.id.length === 0 || e.id.length > MAX_KEY)) {
    problems.push({ path: "id", message: `must be a string of 1-${MAX_KEY} characters` });
  }
  if (e.timestamp !== undefined && (typeof e.timestamp !== "string" || Number.isNaN(Date.parse(e.timestamp)))) {
    problems.push({ path: "timestamp", message: "must be an ISO-8601 date-time" });
  }
  return problems;
}

export function toEventRow(id: string, source: string, input: EventInput, now: number): EventRow {
  const timestamp = input.timestamp ? new Date(input.timestamp).toISOString() : new Date(now).toISOString();
  return {
    id, source, type: input.type, timestamp,
    data: JSON.stringify(input.data),
    dedupe_key: input.id !== undefined ? `k:${input.id}` : id,
    idempotency_key: input.id ?? null,
    received_at: now,
  };
}

const bodies = new WeakMap<EventRow, string>();

/** The delivery body, built from the stored JSON text without re-parsing, once per event. */
export function eventBody(event: EventRow): string {
  let body = bodies.get(event);
  if (body === undefined) {
    body = `{"id":${JSON.stringify(event.id)},"type":${JSON.stringify(event.type)},"timestamp":${JSON.stringify(event.timestamp)},"data":${event.data}}`;
    bodies.set(event, body);
  }
  return body;
}

export function eventView(event: EventRow): EventView {
  return { id: event.id, type: event.type, timestamp: event.timestamp, data: JSON.parse(event.data), source: event.source };
}

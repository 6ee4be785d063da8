import { toJsonSchema } from "@valibot/to-json-schema";
import { Elysia } from "elysia";
import type * as v from "valibot";
import { isOperationalType, OPERATIONAL_CATALOG } from "../../core/operational-events.ts";
import type { adminAuth } from "../admin-auth.ts";
import type { AdminContext } from "./context.ts";
import { exampleOf } from "./examples.ts";
import { errors, EventType, page } from "./schemas.ts";

/** A catalog schema as JSON Schema, for reading; parts with no JSON form are left out. */
function jsonSchemaOf(schema: v.GenericSchema | undefined): Record<string, unknown> | null {
  if (!schema) return null;
  try { return toJsonSchema(schema, { errorMode: "ignore" }) as Record<string, unknown>; } catch { return null; }
}

/**
 * Operational types that never concern a tenant's own endpoints: sources belong to no tenant, so their errors go
 * to global endpoints only (operational-events.ts). A tenant session is not offered them.
 */
const OPERATOR_ONLY = new Set(["hookgate.source.error"]);

/** hookgate's own operational events, in every catalog (a subscriber must name them: `*` does not match them). */
const OPERATIONAL = Object.entries(OPERATIONAL_CATALOG).map(([type, entry]) => {
  const schema = jsonSchemaOf(entry.schema);
  return { type, description: entry.description, schema, example: exampleOf(schema), inCatalog: true, forTenants: !OPERATOR_ONLY.has(type) };
});

/** `/event-types`: the config's catalog (or, without one, the types seen so far), then hookgate's own. */
export function eventTypeRoutes(ctx: AdminContext, auth: ReturnType<typeof adminAuth>) {
  return new Elysia({ name: "hookgate/admin/event-types" })
    .use(auth)
    .get("/event-types", async ({ scope, principal }) => {
      const catalog = ctx.settings.catalog;
      const listed = Object.entries(catalog ?? {}).map(([type, entry]) => {
        const schema = jsonSchemaOf(entry.schema);
        return { type, description: entry.description, schema, example: entry.example !== undefined ? entry.example : exampleOf(schema), inCatalog: true, forTenants: true };
      });
      const seen = catalog ? [] : (await ctx.queries.seenTypes(scope, 500))
        .filter((type) => !isOperationalType(type)).map((type) => ({ type, description: "", schema: null, example: null, inCatalog: false, forTenants: true }));
      const operational = principal.kind === "session" ? OPERATIONAL.filter((t) => t.forTenants) : OPERATIONAL;
      return { data: [...listed, ...seen, ...operational], nextCursor: null };
    }, {
      admin: "read", response: { 200: page(EventType), ...errors() },
      detail: { tags: ["event-types"], operationId: "listEventTypes", summary: "List event types", description: "The config's `events` catalog. Without a catalog any type is accepted, and the list shows the types seen in the store (for a tenant session, in its own events). hookgate's own operational events (`hookgate.*`) come last, each with its JSON Schema; `forTenants: false` marks those about the gateway itself, which a tenant session is not shown. `example`: the config's `example` for the type, else one built from its schema." },
    });
}

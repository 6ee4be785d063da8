import { toOpenAPISchema } from "@elysiajs/openapi";
import { toJsonSchema } from "@valibot/to-json-schema";
import type { Elysia } from "elysia";
import * as v from "valibot";
import { VERSION } from "../version.ts";

type Json = Record<string, any>;

// Checks and transforms have no JSON Schema form; the document keeps the rest of the schema.
const vendors = { valibot: (schema: v.GenericSchema) => toJsonSchema(schema, { errorMode: "ignore", target: "draft-2020-12" }) };
const METHODS = ["get", "post", "put", "patch", "delete"];

/**
 * The OpenAPI 3.1 document of every route under /api/v1, built from the routes' own valibot schemas,
 * then finished: bearer security, problem+json for errors, JSON-only bodies, optional bodies marked so.
 */
export function buildOpenApi(app: Elysia<any, any, any, any, any, any, any>, prefix = "/api/v1"): Json {
  const base = toOpenAPISchema(app as never, { paths: [new RegExp(`^(?!${prefix.replace(/\//g, "\\/")}(\\/|$))`)] }, undefined, vendors as never, "3.1.1") as Json;
  const optionalBodies = new Set<string>();
  for (const route of (app as unknown as { getGlobalRoutes(): { method: string; path: string; hooks?: { body?: unknown } }[] }).getGlobalRoutes()) {
    const body = route.hooks?.body as v.GenericSchema | undefined;
    if (body && "~standard" in body && v.safeParse(body, undefined).success) optionalBodies.add(`${route.method.toLowerCase()} ${toOpenApiPath(route.path)}`);
  }
  const paths: Json = {};
  for (const [path, item] of Object.entries(base.paths as Json)) {
    paths[path] = {};
    for (const [method, op] of Object.entries(item as Json)) {
      if (!METHODS.includes(method)) continue;
      paths[path][method] = finishOperation(op as Json, optionalBodies.has(`${method} ${path}`));
    }
  }
  return {
    openapi: "3.1.1",
    info: {
      title: "hookgate admin API",
      version: VERSION,
      description: "Manage endpoints, read events, deliveries and every attempt, retry and recover deliveries. " +
        "Authorize with an admin token from the config (`admin.tokens`): scope `read` for GET, `write` for the rest.",
    },
    tags: [
      { name: "endpoints", description: "Where events are delivered" },
      { name: "deliveries", description: "One event to one endpoint, with every attempt" },
      { name: "events", description: "What the sources accepted" },
      { name: "event-types", description: "The event catalog" },
      { name: "sources", description: "Where events come from, and their state" },
      { name: "tenants", description: "The app's own customers, and portal sessions for their admins (admin tokens only)" },
      { name: "me", description: "Who the bearer token is" },
    ],
    paths,
    components: {
      schemas: base.components?.schemas ?? {},
      securitySchemes: { bearer: { type: "http", scheme: "bearer", description: "An admin token from admin.tokens in the config" } },
    },
    security: [{ bearer: [] }],
  };
}

const toOpenApiPath = (path: string) => path.replace(/:([^/]+)/g, "{$1}");

function finishOperation(op: Json, bodyOptional: boolean): Json {
  const out: Json = { ...op };
  if (out.requestBody?.content) {
    const json = out.requestBody.content["application/json"];
    out.requestBody = { ...out.requestBody, required: !bodyOptional, content: { "application/json": json } };
    if (out.requestBody.description === undefined) delete out.requestBody.description;
  }
  const responses: Json = {};
  for (const [status, response] of Object.entries((out.responses ?? {}) as Json)) {
    const r = { ...(response as Json) };
    if (Number(status) >= 400 && r.content?.["application/json"]) r.content = { "application/problem+json": r.content["application/json"] };
    if (Number(status) === 204) delete r.content;
    r.description = DESCRIPTIONS[status] ?? r.description;
    responses[status] = r;
  }
  out.responses = responses;
  return out;
}

const DESCRIPTIONS: Record<string, string> = {
  200: "OK", 201: "Created", 204: "No Content", 400: "The body is not JSON", 401: "No or wrong admin token",
  403: "The token lacks the scope (or no admin token is configured)", 404: "No such id", 409: "The endpoint is managed by the config file, or its tenant has reached tenants.maxEndpoints",
  422: "Invalid input: `errors` lists each problem with its path",
};

import type { Config } from "../../config/schema.ts";
import type { Dispatcher, Sender } from "../../core/dispatcher.ts";
import type { EndpointRegistry } from "../../core/endpoints.ts";
import type { Resolver } from "../../outbound/target.ts";
import type { AdminQueries } from "../../store/admin-queries.ts";
import type { EndpointRow } from "../../store/schema.ts";
import type { Store } from "../../store/store.ts";
import { HttpProblem } from "../problem.ts";

/** What the admin routes use: plain services, never the request context. */
export interface AdminContext {
  config: Config;
  /** The configured sources, in config order. */
  sources: { id: string; type: string }[];
  store: Store;
  queries: AdminQueries;
  registry: EndpointRegistry;
  dispatcher: Dispatcher;
  /** The outbound sender with the delivery policy applied (the verification ping uses it). */
  send: Sender;
  /** The sender's resolver (DNS unless a test stands one in): registration looks endpoint names up with it. */
  resolve?: Resolver;
}

export async function requireEndpoint(ctx: AdminContext, id: string): Promise<EndpointRow> {
  const row = await ctx.queries.endpoint(id);
  if (!row) throw new HttpProblem(404, `no endpoint "${id}"`);
  return row;
}

/** Config endpoints belong to the config file: the API may only toggle them. */
export function requireApiManaged(row: EndpointRow, action: string): void {
  if (row.managed_by === "config") {
    throw new HttpProblem(409, `endpoint "${row.id}" is managed by the config file: ${action} there and restart (the API may only enable or disable it)`);
  }
}

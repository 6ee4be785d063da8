import type { Logger } from "../../plugin-api/index.ts";
import type { Principal } from "../auth.ts";

/** Who made an admin change, for its log line: the admin token's name, or a session and its tenant (`byTenant`). */
export const actor = (principal: Principal) => (principal.kind === "admin" ? { by: principal.name } : { by: "session", byTenant: principal.tenant });

/**
 * One info line per admin change (ops can answer "who disabled this endpoint?" from the log): what happened,
 * who did it, and ids, with `tenant` the tenant acted on (null: a global endpoint), whoever acted. Callers pass ids and field names only, never a secret, token or header value.
 */
export function audit(log: Logger | undefined, principal: Principal, msg: string, ids: Record<string, unknown>): void {
  log?.info(msg, { ...ids, ...actor(principal) });
}

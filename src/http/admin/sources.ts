import { Elysia } from "elysia";
import type { adminAuth } from "../admin-auth.ts";
import type { AdminContext } from "./context.ts";
import { errors, page, Source } from "./schemas.ts";
import { sourceView } from "./views.ts";

/** `/sources`: each configured source with its state, last error and cursor. */
export function sourceRoutes(ctx: AdminContext, auth: ReturnType<typeof adminAuth>) {
  return new Elysia({ name: "hookgate/admin/sources" })
    .use(auth)
    .get("/sources", async () => {
      const states = new Map((await ctx.queries.sourceStates()).map((s) => [s.id, s]));
      const runningOn = await ctx.runningOn?.(new Map([...states].map(([id, s]) => [id, s.holder ?? null])));
      return { data: ctx.settings.sources.map((s) => sourceView(s, states.get(s.id), runningOn?.get(s.id) ?? null)), nextCursor: null };
    }, {
      admin: "read", response: { 200: page(Source), ...errors() },
      detail: { tags: ["sources"], operationId: "listSources", summary: "List sources with their state", description: "`status` is running, reconnecting, error, or starting before the first report. `runningOn` names the process (`<hostname>:<pid>`) that runs a run-once source (poll, notify-mode postgres) on a Postgres store, null while none holds it; `all` for a source every process runs." },
    });
}

import { Elysia } from "elysia";
import type { adminAuth } from "../auth.ts";
import type { AdminContext } from "./context.ts";
import { errors, page, Source } from "./schemas.ts";
import { sourceView } from "./views.ts";

/** `/sources`: each configured source with its state, last error and cursor. */
export function sourceRoutes(ctx: AdminContext, auth: ReturnType<typeof adminAuth>) {
  return new Elysia({ name: "hookgate/admin/sources" })
    .use(auth)
    .get("/sources", async () => {
      const states = new Map((await ctx.queries.sourceStates()).map((s) => [s.id, s]));
      return { data: ctx.sources.map((s) => sourceView(s, states.get(s.id))), nextCursor: null };
    }, {
      admin: "read", response: { 200: page(Source), ...errors() },
      detail: { tags: ["sources"], operationId: "listSources", summary: "List sources with their state", description: "`status` is running, reconnecting, error, or starting before the first report." },
    });
}

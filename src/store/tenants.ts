import { sql, type Kysely } from "kysely";
import type { Endpoint } from "../core/endpoints/endpoint.ts";
import type { TenantScope } from "../core/scope.ts";
import { endpointRow } from "./endpoint-mapping.ts";
import type { DB, TenantRow, TenantSessionRow } from "./schema.ts";
import type { PageOf, TenantDeleted, TenantListRow } from "./types.ts";
import { liveSession } from "./admin-queries.ts";
import { retryOnConflict } from "./conflict-retry.ts";
import { noteTenants } from "./queries.ts";
import type { Dialect } from "./types.ts";

export type { TenantDeleted, TenantListRow };

/** Tenants' own records and their portal sessions. Works on SQLite and Postgres. */
export class TenantQueries {
  constructor(private readonly db: Kysely<DB>, private readonly dialect: Dialect = "sqlite") {}

  /**
   * Tenants by id, with how many endpoints each has. `search`: those whose id starts with it or whose name holds it,
   * ignoring case (a scan in id order that stops at the page's end: fine for a picker over 50,000 tenants).
   */
  async page(after: string | undefined, limit: number, search?: string): Promise<PageOf<TenantListRow>> {
    let q = this.db.selectFrom("tenants").selectAll("tenants")
      .select((eb) => eb.selectFrom("endpoints").select(eb.fn.countAll<number>().as("n")).whereRef("endpoints.tenant", "=", "tenants.id").as("endpoints"))
      .orderBy("id").limit(limit + 1);
    if (after !== undefined) q = q.where("id", ">", after);
    if (search) {
      const pattern = search.toLowerCase().replace(/[\\%_]/g, (c) => `\\${c}`);
      q = q.where((eb) => eb.or([
        sql<boolean>`lower(${eb.ref("id")}) like ${`${pattern}%`} escape '\\'`,
        sql<boolean>`lower(${eb.ref("name")}) like ${`%${pattern}%`} escape '\\'`,
      ]));
    }
    const rows = (await q.execute()).map((r) => ({ ...r, endpoints: Number(r.endpoints ?? 0) }));
    return { rows: rows.slice(0, limit), more: rows.length > limit };
  }

  async get(id: string): Promise<TenantListRow | undefined> {
    const row = await this.db.selectFrom("tenants").selectAll().where("id", "=", id).executeTakeFirst();
    if (!row) return undefined;
    return { ...row, endpoints: await this.endpointCount(id) };
  }

  async endpointCount(id: string): Promise<number> {
    const row = await this.db.selectFrom("endpoints").select((eb) => eb.fn.countAll<number>().as("n")).where("tenant", "=", id).executeTakeFirstOrThrow();
    return Number(row.n);
  }

  /** Whether any tenant is recorded (one row read: the start's publicUrl warning). */
  async any(): Promise<boolean> {
    return (await this.db.selectFrom("tenants").select("id").limit(1).executeTakeFirst()) !== undefined;
  }

  /** Records the tenants named (an endpoint, an event, a session), keeping what a PUT set; in id order, as every writer. */
  async note(ids: Iterable<string>, now: number): Promise<void> {
    const sorted = [...new Set(ids)].sort();
    if (sorted.length) await noteTenants(this.db, sorted, now).execute();
  }

  /**
   * Inserts an endpoint in the scope, in one transaction with its checks (DESIGN §9): a session's scope must still
   * hold a live session (a revoke or a tenant delete while a verify ping waited saves nothing), and a tenant's
   * endpoint is counted against `max`. Postgres locks the session's row (shared) and the tenant's row until the
   * commit: a revoke or a tenant delete (which removes sessions first) waits for it or is seen by it, and a second
   * create waits and then counts the first. SQLite has one writer, and kysely's transaction holds it throughout.
   * The tenant is noted in the same step, so a deleted tenant's record never comes back with a refused create.
   */
  insertEndpoint(endpoint: Endpoint, scope: TenantScope, max?: number): Promise<"inserted" | "at-cap" | "session-gone"> {
    return retryOnConflict(() => this.db.transaction().execute(async (trx) => {
      if (scope.session !== null) {
        let live = liveSession(trx, scope.session);
        if (this.dialect === "postgres") live = live.forShare();
        if (!(await live.executeTakeFirst())) return "session-gone";
      }
      const tenant = endpoint.tenant;
      if (tenant !== null) {
        await noteTenants(trx, [tenant], endpoint.createdAt).execute();
      }
      if (tenant !== null && max !== undefined) {
        if (this.dialect === "postgres") await trx.selectFrom("tenants").select("id").where("id", "=", tenant).forUpdate().execute();
        const { n } = await trx.selectFrom("endpoints").select((eb) => eb.fn.countAll<number>().as("n")).where("tenant", "=", tenant).executeTakeFirstOrThrow();
        if (Number(n) >= max) return "at-cap";
      }
      await trx.insertInto("endpoints").values(endpointRow(endpoint)).execute();
      return "inserted";
    }));
  }

  /** Sets name and metadata (absent: null), creating the tenant if nothing named it yet. */
  async put(id: string, fields: { name: string | null; metadata: string | null }, now: number): Promise<void> {
    await this.db.insertInto("tenants").values({ id, ...fields, created_at: now, updated_at: now })
      .onConflict((oc) => oc.column("id").doUpdateSet({ ...fields, updated_at: now })).execute();
  }

  /**
   * A customer who leaves: its endpoints, its events, every delivery to its endpoints or of its events (also to
   * global endpoints), their attempts, its sessions and its record, in one transaction. Deleting the endpoints and
   * the events deletes those deliveries and their attempts in the store (migration 009).
   */
  remove(id: string): Promise<TenantDeleted> {
    // Attempts recorded meanwhile by any process touch the same deliveries: a deadlock runs the whole removal again.
    return retryOnConflict(() => this.db.transaction().execute(async (trx) => {
      // Sessions first: a create through one of them that commits after this step finds it gone (insertEndpoint).
      await trx.deleteFrom("tenant_sessions").where("tenant", "=", id).execute();
      const events = trx.selectFrom("events").select("id").where("tenant", "=", id);
      const { n } = await trx.selectFrom("deliveries").select((eb) => eb.fn.countAll<number>().as("n"))
        .where((eb) => eb.or([eb("tenant", "=", id), eb("event_id", "in", events)])).executeTakeFirstOrThrow();
      const deleted = {
        events: (await trx.deleteFrom("events").where("tenant", "=", id).executeTakeFirst()).numDeletedRows,
        endpoints: (await trx.deleteFrom("endpoints").where("tenant", "=", id).executeTakeFirst()).numDeletedRows,
      };
      await trx.deleteFrom("tenants").where("id", "=", id).execute();
      return { endpoints: Number(deleted.endpoints), events: Number(deleted.events), deliveries: Number(n) };
    }));
  }

  /** The tenant's endpoints, and which of them the config file manages (a remove must not drop those). */
  endpointsOf(tenant: string): Promise<Pick<Endpoint, "id" | "managedBy">[]> {
    return this.db.selectFrom("endpoints").select(["id", "managed_by as managedBy"]).where("tenant", "=", tenant).execute();
  }

  async createSession(session: { hash: string; tenant: string; scopes: string[]; expiresAt: number }, now: number): Promise<void> {
    await this.db.insertInto("tenant_sessions").values({
      hash: session.hash, tenant: session.tenant, scopes: JSON.stringify(session.scopes), created_at: now, expires_at: session.expiresAt, revoked_at: null,
    }).execute();
  }

  /** The session with this token hash, whatever its state (the caller checks expiry and revocation). */
  session(hash: string): Promise<TenantSessionRow | undefined> {
    return this.db.selectFrom("tenant_sessions").selectAll().where("hash", "=", hash).executeTakeFirst();
  }

  /** Revokes one session (its holder signed out); false when it was revoked already. */
  async revokeSession(hash: string, now: number): Promise<boolean> {
    const result = await this.db.updateTable("tenant_sessions").set({ revoked_at: now }).where("hash", "=", hash).where("revoked_at", "is", null).executeTakeFirst();
    return Number(result.numUpdatedRows) > 0;
  }

  /** Revokes every live session of the tenant; answers how many. */
  async revokeSessions(tenant: string, now: number): Promise<number> {
    const result = await this.db.updateTable("tenant_sessions").set({ revoked_at: now }).where("tenant", "=", tenant).where("revoked_at", "is", null).executeTakeFirst();
    return Number(result.numUpdatedRows);
  }
}

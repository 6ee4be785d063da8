import * as v from "valibot";
import { TenantId } from "../../core/values.ts";
import { LOCALES } from "../../portal/messages/locales.ts";
import { ListQuery } from "./schemas.ts";

/** The shapes of /tenants and tenant sessions (DESIGN section 9). Types are inferred from here. */

const Iso = v.pipe(v.string(), v.isoTimestamp());
/** Metadata is the app's own small note on its customer, not a document store. */
export const METADATA_MAX_BYTES = 8 * 1024;

export const TenantParams = v.object({ id: v.pipe(TenantId, v.examples(["acme"])) });

const Metadata = v.pipe(
  // First: v.record alone takes an array as an object of its indexes.
  v.custom<Record<string, unknown>>((m) => typeof m === "object" && m !== null && !Array.isArray(m), 'must be a JSON object like { "plan": "pro" }'),
  v.record(v.pipe(v.string(), v.maxLength(100)), v.unknown()),
  v.check((m) => Buffer.byteLength(JSON.stringify(m)) <= METADATA_MAX_BYTES, `must be at most ${METADATA_MAX_BYTES} bytes as JSON`),
);

export const TenantPut = v.optional(v.pipe(
  v.strictObject({
    name: v.optional(v.nullable(v.pipe(v.string(), v.maxLength(200)))),
    /** A JSON object, at most 8 KiB as JSON. */
    metadata: v.optional(v.nullable(Metadata)),
  }),
  v.examples([{ name: "Acme Inc.", metadata: { plan: "pro" } }]),
), {});

export { Tenant } from "./answers.ts";

export const TenantDeleted = v.object({
  deleted: v.object({
    endpoints: v.pipe(v.number(), v.integer()),
    events: v.pipe(v.number(), v.integer()),
    deliveries: v.pipe(v.number(), v.integer()),
  }),
});

export const SessionCreate = v.optional(v.pipe(
  v.strictObject({
    /** Seconds until the session expires: one minute to seven days. */
    expiresIn: v.optional(v.pipe(v.number(), v.integer(), v.minValue(60, "must be at least 60 (seconds)"), v.maxValue(604_800, "must be at most 604800 (seven days)")), 3600),
    scopes: v.optional(v.pipe(v.array(v.picklist(["read", "write"])), v.minLength(1, 'must list "read", "write" or both')), ["read", "write"]),
    /** The portal's language for this session; left out, the browser's language picks one of `portal.locales`. */
    locale: v.optional(v.picklist(LOCALES, `must be ${LOCALES.map((l) => `"${l}"`).join(" or ")} (the languages the portal ships)`)),
  }),
  v.examples([{ expiresIn: 3600, scopes: ["read"], locale: "de" }]),
), {});

export const Session = v.object({
  /** Shown this once; the store keeps only its SHA-256. */
  token: v.string(),
  /** The portal, with the token in the fragment (never sent to a server). */
  url: v.string(),
  expiresAt: Iso,
});

export const Revoked = v.object({ revoked: v.pipe(v.number(), v.integer()) });

/** `?search=`: tenants whose id starts with it or whose name contains it, ignoring case. */
export const TenantsQuery = v.object({ ...ListQuery, search: v.optional(v.pipe(v.string(), v.minLength(1), v.maxLength(100))) });

import type * as v from "valibot";
import type * as schemas from "../http/admin/answers.ts";
import type { Session } from "./session.ts";

/**
 * The API's shapes the portal reads (DESIGN sections 5 and 8), inferred from the admin API's own schemas. Type-only
 * imports: nothing of the server reaches the portal's bundle.
 */
export type Endpoint = v.InferOutput<typeof schemas.Endpoint>;
export type ListedEndpoint = v.InferOutput<typeof schemas.ListedEndpoint>;
export type EndpointWithSecret = v.InferOutput<typeof schemas.EndpointWithSecret>;
export type PatchedEndpoint = v.InferOutput<typeof schemas.PatchedEndpoint>;
export type Rotated = v.InferOutput<typeof schemas.Rotated>;
export type Recovered = v.InferOutput<typeof schemas.Recovered>;
export type Attempt = v.InferOutput<typeof schemas.Attempt>;
export type ManualAttempt = v.InferOutput<typeof schemas.ManualAttempt>;
export type Delivery = v.InferOutput<typeof schemas.Delivery>;
export type EventType = v.InferOutput<typeof schemas.EventType>;
export type Tenant = v.InferOutput<typeof schemas.Tenant>;
export type Me = v.InferOutput<typeof schemas.Me>;
export type Stats = v.InferOutput<typeof schemas.EndpointStats>;
export type Page<T> = Omit<v.InferOutput<ReturnType<typeof schemas.numberedPage<v.GenericSchema>>>, "data"> & { data: T[] };
/** The portal builds one for any answer that is not 2xx, so `type` may be missing. */
export type Problem = Omit<v.InferOutput<typeof schemas.VerifyFailed>, "type">;

/** An answer that is not 2xx, with the API's problem+json. */
export class ApiError extends Error {
  constructor(readonly problem: Problem) { super(problem.detail || problem.title); }
}

/** Called once a request answers 401: the session expired, was revoked, or the token is wrong. */
let onUnauthorized: (problem: Problem) => void = () => {};
export function whenUnauthorized(handler: (problem: Problem) => void): void { onUnauthorized = handler; }

/** The token goes in the Authorization header only, never in a URL. */
export async function api<T>(session: Session, method: string, path: string, body?: unknown): Promise<T> {
  const response = await fetch(`/api/v1${path}`, {
    method,
    headers: { authorization: `Bearer ${session.token}`, ...(body !== undefined && { "content-type": "application/json" }) },
    body: body === undefined ? undefined : JSON.stringify(body),
    credentials: "omit",
    cache: "no-store",
  });
  if (response.status === 204) return undefined as T;
  const text = await response.text();
  const json = text ? JSON.parse(text) : null;
  if (!response.ok) {
    const problem: Problem = { status: response.status, title: json?.title ?? response.statusText, detail: json?.detail ?? "", errors: json?.errors, attempt: json?.attempt };
    if (response.status === 401) onUnauthorized(problem);
    throw new ApiError(problem);
  }
  return json as T;
}

export { query } from "./nav.ts";

/** The tenant filter an admin picked (a session is its own tenant already). */
export const tenantQuery = (session: Session) => (session.kind === "admin" && session.tenant ? session.tenant : undefined);

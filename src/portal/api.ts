import type { Session } from "./session.ts";

/** The API's shapes the portal reads (DESIGN sections 5 and 8). */
export interface Endpoint {
  id: string; tenant: string | null; url: string; description: string; events: string[]; enabled: boolean;
  disabledReason: string | null; managedBy: "config" | "api"; signing: { scheme: string; header: string | null };
  createdAt: string; updatedAt: string;
}
export interface Attempt {
  id: string; number: number; trigger: "scheduled" | "manual"; outcome: "succeeded" | "failed"; startedAt: string; url: string;
  requestHeaders: Record<string, string>; requestBody: string; statusCode: number | null;
  responseHeaders: Record<string, string>; responseBody: string; durationMs: number; error: string | null;
}
export type ManualAttempt = Attempt & { deliveryId: string; eventId: string };
export interface Delivery {
  id: string; eventId: string; eventType: string; endpointId: string; tenant: string | null;
  status: "pending" | "retrying" | "succeeded" | "failed"; attempts: Attempt[]; nextAttemptAt: string | null; createdAt: string;
}
export interface EventType { type: string; description: string; schema: Record<string, unknown> | null; inCatalog: boolean }
export interface Tenant { id: string; name: string | null; endpoints: number }
export interface Me { kind: "admin" | "session"; name: string | null; tenant: string | null; scopes: ("read" | "write")[]; expiresAt: string | null }
export interface Stats { since: string; succeeded: number; failed: number; pending: number; retrying: number; lastAttemptAt: string | null; lastStatusCode: number | null }
export interface Page<T> { data: T[]; nextCursor: string | null }
export interface Problem { status: number; title: string; detail: string; errors?: { path: string; message: string }[]; attempt?: Attempt }

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

/** `?a=1&b=2` from the values that are set. */
export function query(params: Record<string, string | null | undefined>): string {
  const search = new URLSearchParams();
  for (const [key, value] of Object.entries(params)) if (value) search.set(key, value);
  const text = search.toString();
  return text ? `?${text}` : "";
}

/** The tenant filter an admin picked (a session is its own tenant already). */
export const tenantQuery = (session: Session) => (session.kind === "admin" && session.tenant ? session.tenant : undefined);

import type { AttemptRow } from "../store/schema.ts";

/** What went wrong, as the HTTP layer maps it: 401, 403, 404, 409 and 422. */
export type DomainErrorKind = "unauthorized" | "forbidden" | "not-found" | "conflict" | "invalid";
export type Problems = { path: string; message: string }[];

/** An error a caller caused: the kind, a detail naming the thing and the fix, and per-field problems. */
export class DomainError extends Error {
  constructor(
    readonly kind: DomainErrorKind,
    readonly detail: string,
    readonly problems?: Problems,
    /** The failed verification ping, shown with the refusal. */
    readonly attempt?: AttemptRow,
  ) {
    super(detail);
  }
}

import { sql } from "kysely";

/**
 * core/lease.ts's lease count in SQL, on a `deliveries` row: the one place the store writes it. `leasesCounted` is
 * `max(leases, attempts)`, as a CASE both dialects read the same way.
 */
const counted = sql<number>`CASE WHEN leases > attempts THEN leases ELSE attempts END`;

/** `afterClaim`: a claim (or an attempt outside the queues) counts one lease more. */
export const CLAIMED_LEASES = sql<number>`${counted} + 1`;

/** `afterRelease`: a release gives the lease back, never below the attempts recorded. */
export const RELEASED_LEASES = sql<number>`CASE WHEN leases > attempts THEN leases - 1 ELSE attempts END`;

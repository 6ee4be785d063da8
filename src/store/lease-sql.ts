import { sql } from "kysely";

/**
 * core/lease.ts's lease count in SQL, on a `deliveries` row: the one place the store writes it. `leasesCounted` is
 * `max(leases, attempts)`, as a CASE both dialects read the same way.
 */
const COUNTED = "CASE WHEN leases > attempts THEN leases ELSE attempts END";
const counted = sql.raw<number>(COUNTED);

/** `afterClaim` as SQL text, for a statement written out by hand (sqlite-hot.ts `promoteMany`). */
export const CLAIMED_LEASES_TEXT = `${COUNTED} + 1`;

/** `afterClaim`: a claim (or an attempt outside the queues) counts one lease more. */
export const CLAIMED_LEASES = sql.raw<number>(CLAIMED_LEASES_TEXT);

/** `afterRelease`: a release gives the lease back, never below the attempts recorded. */
export const RELEASED_LEASES = sql<number>`CASE WHEN leases > attempts THEN leases - 1 ELSE attempts END`;

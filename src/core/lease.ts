/**
 * The lease rules, in one place. A delivery is leased to one process while it is sent: its due time moves to the
 * lease's end, and the delivery row counts the leases taken (`leases`), so an attempt sent again after a crash
 * never repeats a number. The store writes the count in SQL (store/lease-sql.ts); these functions are the rule.
 */

/** How long a claimed delivery stays ours before another worker (or we, after a crash) may take it. */
export const leaseMs = (endpoint: { timeoutMs: number }): number => 2 * endpoint.timeoutMs + 5_000;

/** The leases counted: never below the attempts recorded (rows from before leases were counted). */
export const leasesCounted = (leases: number, attempts: number): number => Math.max(leases, attempts);

/** A claim (or an attempt outside the queues) counts one lease more. */
export const afterClaim = (leases: number, attempts: number): number => leasesCounted(leases, attempts) + 1;

/** A release gives the lease back, unsent: never below the attempts recorded. */
export const afterRelease = (leases: number, attempts: number): number => (leases > attempts ? leases - 1 : attempts);

/** A delivery as ingest writes it: one lease counted when the dispatcher took it at once. */
export const leasesAtIngest = (leased: boolean | undefined): number => (leased ? 1 : 0);

/** The attempt takes the number of the lease it is sent under. */
export const attemptNumber = (leases: number): number => leases;

import { describe, expect, test } from "bun:test";
import { afterClaim, afterRelease, attemptNumber, leaseMs, leasesAtIngest, leasesCounted } from "../../src/core/lease.ts";

describe("lease rules", () => {
  test.each([
    [1_000, 7_000],
    [10_000, 25_000],
    [30_000, 65_000],
  ])("an endpoint with a %i ms timeout holds its lease %i ms", (timeoutMs, ms) => {
    expect(leaseMs({ timeoutMs })).toBe(ms);
  });

  // [leases, attempts, counted, after a claim, after a release]
  test.each([
    [0, 0, 0, 1, 0], // new, never leased
    [1, 0, 1, 2, 0], // leased at ingest, unsent: the release gives it back
    [1, 1, 1, 2, 1], // one attempt recorded under its lease
    [3, 1, 3, 4, 2], // leases lost to crashes: the next attempt is numbered after them
    [0, 2, 2, 3, 2], // a row from before leases were counted: never below the attempts
  ])("leases %i, attempts %i: counted %i, after a claim %i, after a release %i", (leases, attempts, counted, claimed, released) => {
    expect(leasesCounted(leases, attempts)).toBe(counted);
    expect(afterClaim(leases, attempts)).toBe(claimed);
    expect(afterRelease(leases, attempts)).toBe(released);
  });

  test("a claim then a release leaves the count as it was (never below the attempts)", () => {
    for (const [leases, attempts] of [[0, 0], [2, 1], [4, 4], [0, 3]] as const) {
      expect(afterRelease(afterClaim(leases, attempts), attempts)).toBe(leasesCounted(leases, attempts));
    }
  });

  test.each([
    [true, 1],
    [false, 0],
    [undefined, 0],
  ])("ingest counts a lease when leased is %p: %i", (leased, leases) => {
    expect(leasesAtIngest(leased)).toBe(leases);
  });

  test("the attempt takes the lease's number", () => {
    expect(attemptNumber(afterClaim(1, 1))).toBe(2);
  });
});

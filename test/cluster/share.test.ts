import { describe, expect, test } from "bun:test";
import { shareOf } from "../../src/cluster/share.ts";
import { laneCap } from "../../src/core/delivery/lane.ts";

/** Every process's share of one endpoint's limits, by rank. */
const shares = (id: string, rateLimit: number | null, maxConcurrency: number, count: number) =>
  Array.from({ length: count }, (_, rank) => shareOf(id, { rateLimit, maxConcurrency }, rank, count));

describe("shareOf: a process's part of an endpoint's limits", () => {
  test.each([
    // [rateLimit, maxConcurrency, processes, rate of each sender, slots of the senders (sorted)]
    [20, 32, 1, 20, [32]],
    [20, 32, 2, 10, [16, 16]],
    [20, 32, 3, 20 / 3, [10, 11, 11]],
    [20, 2, 2, 10, [1, 1]],
    [20, 2, 3, 10, [1, 1]], // fewer slots than processes: two send, one leaves the endpoint to them
    [20, 1, 3, 20, [1]], // maxConcurrency 1 stays one at a time in the cluster, at the whole rate
    [null, 5, 3, null, [1, 2, 2]],
  ] as const)("rate %p, %p slots, %p processes", (rate, max, count, senderRate, slots) => {
    for (const id of ["ep_a", "ep_b", "orders", "x"]) {
      const all = shares(id, rate, max, count);
      const senders = all.filter((s) => s.maxConcurrency > 0);
      expect(senders.map((s) => s.maxConcurrency).sort((a, b) => a - b)).toEqual([...slots]);
      for (const s of senders) expect(s.rateLimit).toBe(senderRate);
      // The cluster as a whole: exactly the endpoint's limits.
      expect(senders.reduce((n, s) => n + s.maxConcurrency, 0)).toBe(max);
      if (rate !== null) expect(senders.reduce((n, s) => n + s.rateLimit!, 0)).toBeCloseTo(rate, 9);
    }
  });

  test("the odd slots fall on different processes for different endpoints", () => {
    const owners = new Set<number>();
    for (let i = 0; i < 50; i++) owners.add(shares(`ep_${i}`, null, 1, 3).findIndex((s) => s.maxConcurrency === 1));
    expect(owners.size).toBe(3);
  });
});

describe("laneCap: how many jobs a process holds for an endpoint", () => {
  test.each([
    // [rateLimit, maxConcurrency, cap]
    [null, 32, 256], // unlimited rate: enough to keep the slots busy
    [null, 2, 64],
    [20, 32, 40], // about 2 s of sends, so leases do not run out while queued and the backlog stays for the others
    [20 / 3, 11, 14],
    [0.2, 1, 1],
    [1000, 32, 256],
  ] as const)("rate %p, %p slots: %p", (rateLimit, maxConcurrency, cap) => {
    expect(laneCap({ rateLimit, maxConcurrency })).toBe(cap);
  });
});

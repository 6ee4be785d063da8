import { expect, test } from "bun:test";
import { dedupeKey } from "../../src/core/events.ts";

// The stored key of an event without a tenant is what it was before tenants: a client retrying across an upgrade
// still gets its duplicate. A tenant's key is its own (DESIGN §9), and no (scope, tenant, key) passes for another.
test.each([
  ["job-42", undefined, undefined, "k:job-42"],
  ["job-42", "billing", undefined, "s:7:billing:job-42"],
  ["job-42", undefined, "acme", "t:4:acme:k:job-42"],
  ["job-42", "billing", "acme", "t:4:acme:s:7:billing:job-42"],
  ["b:k:x", undefined, "a", "t:1:a:k:b:k:x"],
  ["x", undefined, "a:k:b", "t:5:a:k:b:k:x"],
] as const)("dedupeKey(%p, scope %p, tenant %p) is %p", (key, scope, tenant, stored) => {
  expect(dedupeKey(key, scope, tenant)).toBe(stored);
});

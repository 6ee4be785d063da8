import { expect, test } from "bun:test";
import { FanOut } from "../../../src/core/filters/fan-out.ts";
import { compileFilter, filterInput, matchesNothing, type FilterInput, type Matcher } from "../../../src/core/filters/filter.ts";

interface Endpoint { id: string; filter: Matcher | null }

function compiled(filter: unknown): Matcher {
  const c = compileFilter(filter);
  if (!c.ok) throw new Error(`refused: ${JSON.stringify(c.problems)}`);
  return c.match;
}

/** Filters that file under a value, several under the same one, and ones that cannot be filed. */
const FILTERS: (unknown | null)[] = [
  null,
  { data: { currency: "EUR" } },
  { data: { currency: "USD" } },
  { data: { currency: { $eq: "EUR" }, amount: { $gt: 1000 } } },
  { data: { currency: { $in: ["EUR", "GBP"] } } },
  { data: { currency: { $in: ["EUR", { code: "EUR" }] } } },
  { data: { tags: "vip" } },
  { data: { tags: { $in: ["smb", "b2b"] } } },
  { data: { lines: { sku: "B" } } },
  { data: { lines: { sku: "B", qty: 2 } } },
  { data: { lines: { $and: [{ sku: "A" }, { qty: { $gte: 2 } }] } } },
  { data: { customer: { country: "DE" } } },
  { data: { customer: { country: { $in: ["FR", "DE"] } } } },
  { $and: [{ data: { region: "eu-west" } }, { data: { amount: { $lt: 2000 } } }] },
  { $or: [{ data: { currency: "USD" } }, { data: { amount: { $gte: 1000 } } }] },
  { $not: { data: { currency: "USD" } } },
  { data: { amount: { $gte: 1000 } } },
  { data: { amount: 1500 } },
  { data: { amount: "1500" } },
  { data: { note: null } },
  { data: { flag: true } },
  { data: { tags: ["vip", "b2b"] } },
  { data: { currency: { $in: [] } } },
  { type: "invoice.paid", data: { currency: "EUR" } },
  { tenant: "acme" },
  { orderingKey: null },
  { data: { region: { $regex: "^eu-" } } },
  { data: { nested: { deep: { x: 1 } } } },
  {},
];

const EVENTS: FilterInput[] = [
  { amount: 1500, currency: "EUR", region: "eu-west", tags: ["vip", "b2b"], customer: { id: "cus_1", country: "DE" }, lines: [{ sku: "A", qty: 2 }, { sku: "B", qty: 9 }], note: null },
  { amount: 900, currency: "USD", region: "us-east", tags: "smb", customer: [{ country: "FR" }, { country: "US" }], lines: { sku: "B", qty: 2 }, flag: true },
  { amount: "1500", currency: ["GBP", "EUR"], tags: [["vip"]], lines: [[{ sku: "B" }]], note: 0, nested: [{ deep: [{ x: 1 }] }] },
  { currency: { code: "EUR" }, tags: [], lines: null, nested: { deep: { x: [2, 1] } } },
  "EUR",
  null,
  [1, 2, 3],
].flatMap((data, i) => [filterInput({ type: "invoice.paid", tenant: i % 2 ? "acme" : null, data }), filterInput({ type: "invoice.voided", tenant: "other", orderingKey: "k", data })]);

/** What fan-out did before the index: every endpoint's filter, in order. */
const linear = (endpoints: Endpoint[], input: FilterInput) => endpoints.filter((e) => e.filter === null || e.filter(input)).map((e) => e.id);

test("fan-out takes exactly the endpoints whose filter matches, in list order, for any mix of filters and events", () => {
  let seed = 7;
  const random = (n: number) => { seed = (seed * 1103515245 + 12345) % 2 ** 31; return seed % n; };
  for (let round = 0; round < 300; round++) {
    const endpoints: Endpoint[] = Array.from({ length: 1 + random(40) }, (_, i) => {
      const filter = FILTERS[random(FILTERS.length)];
      return { id: `ep${i}`, filter: filter === null ? null : compiled(filter) };
    });
    const fanOut = new FanOut(endpoints);
    for (const input of EVENTS) expect(fanOut.matching(() => input).map((e) => e.id)).toEqual(linear(endpoints, input));
  }
});

test("each filter's own case: the event reaches it exactly when the filter matches", () => {
  for (const filter of FILTERS) {
    if (filter === null) continue;
    const endpoints = [{ id: "it", filter: compiled(filter) }, { id: "plain", filter: null }];
    for (const input of EVENTS) expect(new FanOut(endpoints).matching(() => input).map((e) => e.id)).toEqual(linear(endpoints, input));
  }
});

test("10,000 endpoints each filtering on their own account: an event evaluates the one filter filed under its account", () => {
  let evaluated = 0;
  const endpoints: Endpoint[] = Array.from({ length: 10_000 }, (_, i) => {
    const match = compiled({ type: "bench.event", data: { account: `a${i}`, n: { $gte: 0 }, t: { $gt: 0 }, pad: { $startsWith: "x" } } });
    return { id: `ep${i}`, filter: Object.assign((input: FilterInput) => (evaluated++, match(input)), { requires: match.requires }) };
  });
  const fanOut = new FanOut(endpoints);
  const event = (account: unknown) => filterInput({ type: "bench.event", tenant: null, data: { account, n: 1, t: 5, pad: "xx" } });
  expect(fanOut.matching(() => event("a4711")).map((e) => e.id)).toEqual(["ep4711"]);
  expect(evaluated).toBe(1);
  expect(fanOut.matching(() => event(["a3", "a9999", "nobody"])).map((e) => e.id)).toEqual(["ep3", "ep9999"]);
  expect(evaluated).toBe(3);
  expect(fanOut.matching(() => event("nobody"))).toEqual([]);
  expect(fanOut.matching(() => event({ a: 1 }))).toEqual([]);
  expect(evaluated).toBe(3);
});

test("without filters the list is returned as it is and the event's view is never built", () => {
  const endpoints: Endpoint[] = [{ id: "a", filter: null }, { id: "b", filter: null }];
  const fanOut = new FanOut(endpoints);
  expect(fanOut.matching(() => { throw new Error("built"); })).toBe(endpoints);
});

test("a stored filter that no longer compiles is never evaluated and never matches", () => {
  const fanOut = new FanOut([{ id: "broken", filter: matchesNothing }, { id: "plain", filter: null }]);
  expect(fanOut.matching(() => EVENTS[0]!).map((e) => e.id)).toEqual(["plain"]);
});

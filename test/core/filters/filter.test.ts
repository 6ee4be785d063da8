import { expect, test } from "bun:test";
import { compileFilter, filterInput, FILTER_MAX_BYTES, type FilterInput } from "../../../src/core/filters/filter.ts";

const event = (data: unknown, type = "invoice.paid", tenant: string | null = "acme"): FilterInput => filterInput({ type, tenant, data });

function matches(filter: unknown, input: FilterInput): boolean {
  const compiled = compileFilter(filter);
  if (!compiled.ok) throw new Error(`refused: ${JSON.stringify(compiled.problems)}`);
  return compiled.match(input);
}

const invoice = event({ amount: 1500, currency: "EUR", region: "eu-west", tags: ["vip", "b2b"], customer: { id: "cus_1", country: "DE" }, lines: [{ sku: "A", qty: 2 }, { sku: "B", qty: 9 }], note: null });

test.each([
  // plain values: deep equality, objects descend
  ["plain value", { data: { currency: "EUR" } }, true],
  ["plain value differs", { data: { currency: "USD" } }, false],
  ["nested object descends", { data: { customer: { country: "DE" } } }, true],
  ["top-level type", { type: "invoice.paid" }, true],
  ["top-level tenant", { tenant: "acme" }, true],
  ["orderingKey is null until events carry one", { orderingKey: null }, true],
  ["null equals null", { data: { note: null } }, true],
  ["whole array by deep equality", { data: { tags: ["vip", "b2b"] } }, true],
  ["array order matters for whole-array equality", { data: { tags: ["b2b", "vip"] } }, false],
  // every operator
  ["$eq", { data: { amount: { $eq: 1500 } } }, true],
  ["$eq on an object", { data: { customer: { $eq: { id: "cus_1", country: "DE" } } } }, true],
  ["$neq", { data: { currency: { $neq: "USD" } } }, true],
  ["$neq same", { data: { currency: { $neq: "EUR" } } }, false],
  ["$gt", { data: { amount: { $gt: 1000 } } }, true],
  ["$gt equal", { data: { amount: { $gt: 1500 } } }, false],
  ["$gte equal", { data: { amount: { $gte: 1500 } } }, true],
  ["$lt", { data: { amount: { $lt: 1500 } } }, false],
  ["$lte", { data: { amount: { $lte: 1500 } } }, true],
  ["$gt and $lt together (a range)", { data: { amount: { $gt: 1000, $lt: 2000 } } }, true],
  ["$gt on strings compares lexically (ISO dates)", { data: { region: { $gt: "eu-a" } } }, true],
  ["$in", { data: { currency: { $in: ["EUR", "GBP"] } } }, true],
  ["$in misses", { data: { currency: { $in: ["USD"] } } }, false],
  ["$nin", { data: { currency: { $nin: ["USD"] } } }, true],
  ["$nin hits", { data: { currency: { $nin: ["EUR"] } } }, false],
  ["$exist true", { data: { amount: { $exist: true } } }, true],
  ["$exist false on a present field", { data: { amount: { $exist: false } } }, false],
  ["$exist false on a missing field", { data: { refund: { $exist: false } } }, true],
  ["$exist true on a null field (present)", { data: { note: { $exist: true } } }, true],
  ["$regex", { data: { region: { $regex: "^eu-" } } }, true],
  ["$regex misses", { data: { region: { $regex: "^us-" } } }, false],
  ["$startsWith", { data: { region: { $startsWith: "eu" } } }, true],
  ["$endsWith", { data: { region: { $endsWith: "west" } } }, true],
  ["$endsWith misses", { data: { region: { $endsWith: "east" } } }, false],
  ["$not on a field", { data: { amount: { $not: { $lt: 1000 } } } }, true],
  ["$not of a plain value", { data: { currency: { $not: "EUR" } } }, false],
  ["$not at the top", { $not: { data: { currency: "USD" } } }, true],
  ["$and", { $and: [{ data: { currency: "EUR" } }, { data: { amount: { $gte: 1000 } } }] }, true],
  ["$and one fails", { $and: [{ data: { currency: "EUR" } }, { data: { amount: { $gte: 5000 } } }] }, false],
  ["$or", { $or: [{ data: { currency: "USD" } }, { data: { amount: { $gte: 1000 } } }] }, true],
  ["$or none", { $or: [{ data: { currency: "USD" } }, { type: "invoice.voided" }] }, false],
  ["$or inside a field", { data: { $or: [{ currency: "USD" }, { region: "eu-west" }] } }, true],
  // the array rule
  ["array: a plain value holds when any element equals it", { data: { tags: "vip" } }, true],
  ["array: no element equals", { data: { tags: "smb" } }, false],
  ["array: $in over elements", { data: { tags: { $in: ["smb", "b2b"] } } }, true],
  ["array: $regex over elements", { data: { tags: { $regex: "^b2" } } }, true],
  ["array of objects: any element's field", { data: { lines: { qty: { $gt: 5 } } } }, true],
  ["array of objects: none", { data: { lines: { qty: { $gt: 50 } } } }, false],
  ["array: $neq holds only when no element equals", { data: { tags: { $neq: "vip" } } }, false],
  ["array: $nin holds only when no element is listed", { data: { tags: { $nin: ["vip"] } } }, false],
  // missing fields
  ["missing field: plain value", { data: { refund: 1 } }, false],
  ["missing field: $gt", { data: { refund: { $gt: 0 } } }, false],
  ["missing field: $neq holds", { data: { refund: { $neq: 1 } } }, true],
  ["missing parent: descends into nothing", { data: { shipping: { country: "DE" } } }, false],
  ["missing field: $in", { data: { refund: { $in: [1] } } }, false],
  // type mismatches: false, never a throw
  ["$gt string field vs number", { data: { currency: { $gt: 5 } } }, false],
  ["$lt number field vs string", { data: { amount: { $lt: "zzz" } } }, false],
  ["$regex on a number", { data: { amount: { $regex: "1" } } }, false],
  ["$startsWith on an object", { data: { customer: { $startsWith: "c" } } }, false],
  ["descending into a string", { data: { currency: { code: "EUR" } } }, false],
  ["descending into null", { data: { note: { x: 1 } } }, false],
  ["number vs numeric string", { data: { amount: "1500" } }, false],
  ["empty filter matches everything", {}, true],
] as const)("%s", (_name, filter, expected) => expect(matches(filter, invoice)).toBe(expected));

test("data that is not an object (a string, an array) is matched without throwing", () => {
  expect(matches({ data: "x" }, event("x"))).toBe(true);
  expect(matches({ data: { a: 1 } }, event("x"))).toBe(false);
  expect(matches({ data: 3 }, event([1, 2, 3]))).toBe(true);
  expect(matches({ data: { a: { $gt: 1 } } }, event(null))).toBe(false);
});

// Rules as Convoy's docs (getconvoy.io/docs/product-manual/filters) and Outpost's (hookdeck.com/docs/outpost) write them.
test.each([
  ["Convoy: direct object match", { event_type: "created" }, { event_type: "created" }, true],
  ["Convoy: nested object match", { event: { type: "created" } }, { event: { type: "created", id: 1 } }, true],
  ["Convoy: array contains match", { dish: { ingredients: "rice" } }, { dish: { ingredients: ["beans", "rice"] } }, true],
  ["Convoy: $neq", { event: { $neq: "created" } }, { event: "updated" }, true],
  ["Convoy: $or", { $or: [{ cities: "london" }, { cities: "lagos" }] }, { cities: ["paris", "lagos"] }, true],
  ["Convoy: $and", { $and: [{ age: { $gte: 10 } }, { age: { $lte: 20 } }] }, { age: 15 }, true],
  ["Convoy: $in", { cities: { $in: ["london", "lagos"] } }, { cities: "berlin" }, false],
  ["Convoy: $exist", { event: { $exist: true } }, { other: 1 }, false],
  ["Convoy: $regex", { event: { $regex: "^user\\." } }, { event: "user.created" }, true],
  ["Outpost: $gte and $startsWith", { status: "paid", amount: { $gte: 100 }, email: { $endsWith: "@example.com" } }, { status: "paid", amount: 250, email: "a@example.com" }, true],
  ["Outpost: $not", { $not: { status: "draft" } }, { status: "paid" }, true],
  ["Outpost: nested $or", { customer: { $or: [{ tier: "gold" }, { tier: "platinum" }] } }, { customer: { tier: "silver" } }, false],
] as const)("%s", (_name, filter, data, expected) => expect(matches({ data: filter }, event(data))).toBe(expected));

test.each([
  [[], "(root)", "must be a JSON object"],
  ["x", "(root)", "must be a JSON object"],
  [{ data: { amount: { $gtx: 5 } } }, "data.amount.$gtx", 'unknown operator "$gtx"'],
  [{ $nor: [] }, "$nor", 'unknown operator "$nor"'],
  [{ data: { amount: { $gt: 5, currency: "EUR" } } }, "data.amount", "mixes operators and fields"],
  [{ data: { amount: { $gt: true } } }, "data.amount.$gt", "takes a number or a string"],
  [{ data: { amount: { $in: 5 } } }, "data.amount.$in", "takes an array"],
  [{ data: { amount: { $exist: "yes" } } }, "data.amount.$exist", "takes true or false"],
  [{ data: { a: { $regex: 5 } } }, "data.a.$regex", "takes a regular expression"],
  [{ data: { a: { $regex: "(" } } }, "data.a.$regex", "not a valid regular expression"],
  [{ data: { a: { $regex: "(a+)+$" } } }, "data.a.$regex", "repeats a group"],
  [{ data: { a: { $startsWith: 1 } } }, "data.a.$startsWith", "takes a string"],
  [{ $or: [] }, "$or", "non-empty array"],
  [{ $or: [{ type: "a" }, 5] }, "$or[1]", "must be an object"],
  [{ $and: [{ data: { x: { $lte: [] } } }] }, "$and[0].data.x.$lte", "takes a number or a string"],
  [{ $not: 5 }, "$not", "takes a filter"],
  [{ a: { b: { c: { d: { e: { f: { g: { h: { i: 1 } } } } } } } } }, "a.b.c.d.e.f.g.h", "deeper than 8"],
] as const)("refused: %j at %p", (filter, path, message) => {
  const compiled = compileFilter(filter);
  expect(compiled.ok).toBe(false);
  if (compiled.ok) return;
  expect(compiled.problems[0]!.path).toBe(path);
  expect(compiled.problems[0]!.message).toContain(message);
});

test("every bad operator is named, not only the first", () => {
  const compiled = compileFilter({ data: { a: { $gtx: 1 }, b: { $in: 1 } } });
  expect(compiled.ok ? [] : compiled.problems.map((p) => p.path)).toEqual(["data.a.$gtx", "data.b.$in"]);
});

test("a filter over 4 KiB is refused; 8 levels deep is kept", () => {
  const big = { data: { names: { $in: Array.from({ length: 600 }, (_, i) => `name-${i}`) } } };
  const compiled = compileFilter(big);
  expect(compiled.ok).toBe(false);
  if (!compiled.ok) expect(compiled.problems[0]!.message).toContain(`at most ${FILTER_MAX_BYTES}`);
  expect(compileFilter({ a: { b: { c: { d: { e: { f: { g: { h: 1 } } } } } } } }).ok).toBe(true);
});

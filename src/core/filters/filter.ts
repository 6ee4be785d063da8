import { formatPath } from "../paths.ts";
import { checkRegex, REGEX_BUDGET, REGEX_INPUT_CAP } from "./regex.ts";

/**
 * Payload filters (DESIGN §14), in the syntax Convoy and Outpost share so their rules carry over: a plain value is
 * deep equality, an object descends into fields, `$`-operators compare, and a condition on an array field holds when
 * any element satisfies it. A filter is compiled once (when the endpoint is saved or loaded) into a plain function;
 * evaluating it never throws: a comparison between mismatched types (`$gt` on a string against a number) is false.
 */

/** What a filter is matched against, per event and endpoint. */
export interface FilterInput {
  type: string;
  tenant: string | null;
  orderingKey: string | null;
  data: unknown;
}

export type Matcher = (input: FilterInput) => boolean;
/** `path` as users read it (`data.amount.$gtx`, `$or[1]`), `at` as its parts (for a schema's issue path). */
export interface FilterProblem { path: string; at: Path; message: string }
type Path = readonly (string | number)[];
export type Compiled = { ok: true; match: Matcher } | { ok: false; problems: FilterProblem[] };

export const FILTER_MAX_BYTES = 4096;
export const FILTER_MAX_DEPTH = 8;

const FIELD_OPERATORS = ["$eq", "$neq", "$gt", "$gte", "$lt", "$lte", "$in", "$nin", "$exist", "$regex", "$startsWith", "$endsWith", "$not"] as const;
const LOGICAL_OPERATORS = ["$and", "$or", "$not"] as const;
const ALL_OPERATORS = Array.from(new Set<string>([...FIELD_OPERATORS, ...LOGICAL_OPERATORS])).join(" ");

/** The input a filter sees for an event (orderingKey: null for an event without one, DESIGN §13). */
export function filterInput(event: { type: string; tenant: string | null; orderingKey?: string | null; data: unknown }): FilterInput {
  return { type: event.type, tenant: event.tenant, orderingKey: event.orderingKey ?? null, data: event.data };
}

/** Compiles a filter (parsed JSON) into a matcher, or says what is wrong with it and where. */
export function compileFilter(filter: unknown): Compiled {
  const problems: FilterProblem[] = [];
  const report: Report = (at, message) => { problems.push({ path: formatPath(at), at, message }); };
  const refused = (at: Path, message: string): Compiled => { report(at, message); return { ok: false, problems }; };
  if (!isPlainObject(filter)) return refused([], "must be a JSON object (a field or $and/$or/$not at the top)");
  const size = new TextEncoder().encode(JSON.stringify(filter)).length;
  if (size > FILTER_MAX_BYTES) return refused([], `is ${size} bytes as JSON; a filter is at most ${FILTER_MAX_BYTES}`);
  const deep = tooDeep(filter, 1, []);
  if (deep !== null) return refused(deep, `nests deeper than ${FILTER_MAX_DEPTH} levels; a filter is at most ${FILTER_MAX_DEPTH} deep`);
  const match = objectMatcher(filter, [], report);
  if (problems.length) return { ok: false, problems };
  return { ok: true, match: (input) => { regexBudget = REGEX_BUDGET; return match(input); } };
}

type Test = (value: unknown) => boolean;
type Report = (at: Path, message: string) => void;

const join = (path: Path, key: string | number): Path => [...path, key];

/** An object of fields and logical operators, matched against an object value. */
function objectMatcher(filter: Record<string, unknown>, path: Path, report: Report): Test {
  const tests: Test[] = [];
  for (const [key, condition] of Object.entries(filter)) {
    const here = join(path, key);
    if (key === "$and" || key === "$or") {
      if (!Array.isArray(condition) || condition.length === 0) { report(here, `takes a non-empty array of filters`); continue; }
      const parts = condition.map((part, i) => isPlainObject(part) ? objectMatcher(part, join(here, i), report) : (report(join(here, i), "must be an object (a filter)"), never));
      tests.push(key === "$and" ? (v) => parts.every((t) => t(v)) : (v) => parts.some((t) => t(v)));
    } else if (key === "$not") {
      if (!isPlainObject(condition)) { report(here, "takes a filter (an object)"); continue; }
      const inner = objectMatcher(condition, here, report);
      tests.push((v) => !inner(v));
    } else if (key.startsWith("$")) {
      report(here, `unknown operator "${key}" here: a filter's keys are fields or ${LOGICAL_OPERATORS.join(" ")}; operators on a field are ${FIELD_OPERATORS.join(" ")}`);
    } else {
      const test = conditionTest(condition, here, report);
      tests.push((v) => isPlainObject(v) && test(Object.hasOwn(v, key) ? v[key] : undefined));
    }
  }
  return (v) => tests.every((t) => t(v));
}

/**
 * A field's condition, the array rule included: a plain value (deep equality), an object of operators, or an object
 * of fields.
 */
function conditionTest(condition: unknown, path: Path, report: Report): Test {
  if (!isPlainObject(condition) || Object.keys(condition).length === 0) return (v) => fieldHolds(v, (x) => deepEqual(x, condition));
  const keys = Object.keys(condition);
  // Fields, or $and/$or over filters of the field's own fields: descend.
  if (keys.every((k) => !k.startsWith("$")) || keys.includes("$and") || keys.includes("$or")) {
    const inner = objectMatcher(condition, path, report);
    return (v) => fieldHolds(v, inner);
  }
  if (!keys.every((k) => k.startsWith("$"))) {
    report(path, `mixes operators and fields (${keys.filter((k) => !k.startsWith("$")).join(", ")}): put the fields in an object of their own`);
    return never;
  }
  const tests = keys.map((op): Test => {
    const test = operatorTest(op, condition[op], join(path, op), report);
    // The negative ones hold when no element (and not the array) satisfies their positive: they see the whole value.
    return NEGATIVE.has(op) ? test : (v) => fieldHolds(v, test);
  });
  return (v) => tests.every((t) => t(v));
}

const NEGATIVE = new Set(["$neq", "$nin", "$not", "$exist"]);

/** The array rule: a condition on an array field holds when the array itself or any element satisfies it. */
function fieldHolds(value: unknown, test: Test): boolean {
  if (test(value)) return true;
  return Array.isArray(value) && value.some((element) => test(element));
}

function operatorTest(op: string, arg: unknown, path: Path, report: Report): Test {
  switch (op) {
    case "$eq": return (v) => deepEqual(v, arg);
    case "$neq": return (v) => !deepEqual(v, arg) && !(Array.isArray(v) && v.some((e) => deepEqual(e, arg)));
    case "$gt": case "$gte": case "$lt": case "$lte": {
      if (typeof arg !== "number" && typeof arg !== "string") { report(path, "takes a number or a string"); return never; }
      const holds = { $gt: (c: number) => c > 0, $gte: (c: number) => c >= 0, $lt: (c: number) => c < 0, $lte: (c: number) => c <= 0 }[op];
      return (v) => typeof v === typeof arg && holds(compare(v as number | string, arg));
    }
    case "$in": case "$nin": {
      if (!Array.isArray(arg)) { report(path, "takes an array of values"); return never; }
      // Scalars by a Set: a 4 KiB list against a long array is then one lookup per element.
      const scalars = new Set(arg.filter((a) => typeof a !== "object" || a === null));
      const objects = arg.filter((a) => typeof a === "object" && a !== null);
      const inList = (v: unknown) => (typeof v !== "object" || v === null ? scalars.has(v) : objects.some((a) => deepEqual(v, a)));
      return op === "$in" ? inList : (v) => !inList(v) && !(Array.isArray(v) && v.some(inList));
    }
    case "$exist":
      if (typeof arg !== "boolean") { report(path, "takes true or false"); return never; }
      return (v) => (v !== undefined) === arg;
    case "$regex": {
      if (typeof arg !== "string") { report(path, "takes a regular expression as a string"); return never; }
      const check = checkRegex(arg);
      if (check.problem !== null) { report(path, `${check.problem} (the $regex rule: docs/concepts/filters.md)`); return never; }
      const pattern = new RegExp(arg);
      const cost = check.cost;
      return (v) => {
        if (typeof v !== "string" || regexBudget <= 0) return false;
        if ((regexBudget -= cost(Math.min(v.length, REGEX_INPUT_CAP))) < 0) return false;
        return pattern.test(v.length > REGEX_INPUT_CAP ? v.slice(0, REGEX_INPUT_CAP) : v);
      };
    }
    case "$startsWith": case "$endsWith": {
      if (typeof arg !== "string") { report(path, "takes a string"); return never; }
      return op === "$startsWith" ? (v) => typeof v === "string" && v.startsWith(arg) : (v) => typeof v === "string" && v.endsWith(arg);
    }
    case "$not": {
      const inner = conditionTest(arg, path, report);
      return (v) => !inner(v);
    }
    default:
      report(path, `unknown operator "${op}" (one of ${ALL_OPERATORS})`);
      return never;
  }
}

const never: Test = () => false;

/** Characters `$regex` may still run on in the evaluation under way (set by each match: evaluation is synchronous). */
let regexBudget = REGEX_BUDGET;

function compare(a: number | string, b: number | string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** JSON deep equality (no cycles in parsed JSON). */
function deepEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== "object" || typeof b !== "object" || a === null || b === null) return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  if (Array.isArray(a)) {
    const other = b as unknown[];
    return a.length === other.length && a.every((x, i) => deepEqual(x, other[i]));
  }
  const ka = Object.keys(a), kb = Object.keys(b);
  return ka.length === kb.length && ka.every((k) => Object.hasOwn(b, k) && deepEqual((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k]));
}

/** The path of the first container past FILTER_MAX_DEPTH, or null (the filter is at most 4 KiB, so recursion is bounded). */
function tooDeep(value: unknown, depth: number, path: Path): Path | null {
  if (typeof value !== "object" || value === null) return null;
  if (depth > FILTER_MAX_DEPTH) return path;
  for (const [key, inner] of Object.entries(value)) {
    const found = tooDeep(inner, depth + 1, join(path, Array.isArray(value) ? Number(key) : key));
    if (found !== null) return found;
  }
  return null;
}

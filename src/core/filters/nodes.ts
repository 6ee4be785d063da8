import type { Requirement } from "./filter.ts";
import { checkRegex, REGEX_BUDGET, REGEX_INPUT_CAP } from "./regex.ts";

/**
 * A filter compiled: a small tree of plain nodes that one evaluator (`holds`) walks. A closure per condition cost
 * about 4 KB and 111 heap objects per filter, which 10,000 filtered endpoints made the collector walk on every full
 * collection while ingest ran (bench/FINDINGS.md, issue 27).
 */
export interface Node { op: Op; key: string; arg: unknown; parts: Node[] }

/** Numbers, so the evaluator's switch is a jump, not a string comparison per case (Bun inlines a const enum). */
const enum Op {
  All, Any, Not, // every part, some part, not the part
  Field, // the value is an object and the part holds on its field `key` (missing: undefined)
  ArrayRule, // the part holds on the value, or the value is an array and it holds on an element
  Is, // a scalar `arg`, the array rule included
  Equal, NotEqual, Gt, Gte, Lt, Lte, In, NotIn, Exist, Regex, StartsWith, EndsWith, Never,
}

type Path = readonly (string | number)[];
export type Report = (at: Path, message: string) => void;

const FIELD_OPERATORS = ["$eq", "$neq", "$gt", "$gte", "$lt", "$lte", "$in", "$nin", "$exist", "$regex", "$startsWith", "$endsWith", "$not"] as const;
const LOGICAL_OPERATORS = ["$and", "$or", "$not"] as const;
const ALL_OPERATORS = Array.from(new Set<string>([...FIELD_OPERATORS, ...LOGICAL_OPERATORS])).join(" ");
/** The negative operators hold when no element (and not the array) satisfies their positive: they see the whole value. */
const NEGATIVE = new Set(["$neq", "$nin", "$not", "$exist"]);

const LEAF: Node[] = [];
const node = (op: Op, parts: Node[] = LEAF, arg: unknown = null, key = ""): Node => ({ op, key, arg, parts });
const COMPARE = { $gt: Op.Gt, $gte: Op.Gte, $lt: Op.Lt, $lte: Op.Lte };
const NEVER = node(Op.Never);
/** Every part; one part is itself. */
const all = (parts: Node[]): Node => (parts.length === 1 ? parts[0]! : node(Op.All, parts));
const join = (path: Path, key: string | number): Path => [...path, key];

/** An object of fields and logical operators, matched against an object value. */
export function objectNode(filter: Record<string, unknown>, path: Path, report: Report): Node {
  const tests: Node[] = [];
  for (const [key, condition] of Object.entries(filter)) {
    const here = join(path, key);
    if (key === "$and" || key === "$or") {
      if (!Array.isArray(condition) || condition.length === 0) { report(here, `takes a non-empty array of filters`); continue; }
      const parts = condition.map((part, i) => isPlainObject(part) ? objectNode(part, join(here, i), report) : (report(join(here, i), "must be an object (a filter)"), NEVER));
      tests.push(key === "$and" ? node(Op.All, parts) : node(Op.Any, parts));
    } else if (key === "$not") {
      if (!isPlainObject(condition)) { report(here, "takes a filter (an object)"); continue; }
      tests.push(node(Op.Not, [objectNode(condition, here, report)]));
    } else if (key.startsWith("$")) {
      report(here, `unknown operator "${key}" here: a filter's keys are fields or ${LOGICAL_OPERATORS.join(" ")}; operators on a field are ${FIELD_OPERATORS.join(" ")}`);
    } else {
      tests.push(node(Op.Field, [conditionNode(condition, here, report)], null, key));
    }
  }
  return all(tests);
}

/**
 * A field's condition, the array rule included: a plain value (deep equality), an object of operators, or an object
 * of fields.
 */
function conditionNode(condition: unknown, path: Path, report: Report): Node {
  if (isScalar(condition)) return node(Op.Is, LEAF, condition);
  if (!isPlainObject(condition) || Object.keys(condition).length === 0) return node(Op.ArrayRule, [node(Op.Equal, LEAF, condition)]);
  const keys = Object.keys(condition);
  // Fields, or $and/$or over filters of the field's own fields: descend.
  if (keys.every((k) => !k.startsWith("$")) || keys.includes("$and") || keys.includes("$or")) return node(Op.ArrayRule, [objectNode(condition, path, report)]);
  if (!keys.every((k) => k.startsWith("$"))) {
    report(path, `mixes operators and fields (${keys.filter((k) => !k.startsWith("$")).join(", ")}): put the fields in an object of their own`);
    return NEVER;
  }
  return all(keys.map((op) => {
    const test = operatorNode(op, condition[op], join(path, op), report);
    return NEGATIVE.has(op) || test.op === Op.Is ? test : node(Op.ArrayRule, [test]);
  }));
}

function operatorNode(op: string, arg: unknown, path: Path, report: Report): Node {
  switch (op) {
    case "$eq": return isScalar(arg) ? node(Op.Is, LEAF, arg) : node(Op.Equal, LEAF, arg);
    case "$neq": return node(Op.NotEqual, LEAF, arg);
    case "$gt": case "$gte": case "$lt": case "$lte":
      if (typeof arg !== "number" && typeof arg !== "string") { report(path, "takes a number or a string"); return NEVER; }
      return node(COMPARE[op], LEAF, arg);
    case "$in": case "$nin": {
      if (!Array.isArray(arg)) { report(path, "takes an array of values"); return NEVER; }
      // Scalars by a Set: a 4 KiB list against a long array is then one lookup per element.
      const list = { scalars: new Set(arg.filter((a) => typeof a !== "object" || a === null)), objects: arg.filter((a) => typeof a === "object" && a !== null) };
      return node(op === "$in" ? Op.In : Op.NotIn, LEAF, list);
    }
    case "$exist":
      if (typeof arg !== "boolean") { report(path, "takes true or false"); return NEVER; }
      return node(Op.Exist, LEAF, arg);
    case "$regex": {
      if (typeof arg !== "string") { report(path, "takes a regular expression as a string"); return NEVER; }
      const check = checkRegex(arg);
      if (check.problem !== null) { report(path, `${check.problem} (the $regex rule: docs/concepts/filters.md)`); return NEVER; }
      return node(Op.Regex, LEAF, { pattern: new RegExp(arg), cost: check.cost });
    }
    case "$startsWith": case "$endsWith":
      if (typeof arg !== "string") { report(path, "takes a string"); return NEVER; }
      return node(op === "$startsWith" ? Op.StartsWith : Op.EndsWith, LEAF, arg);
    case "$not": return node(Op.Not, [conditionNode(arg, path, report)]);
    default:
      report(path, `unknown operator "${op}" (one of ${ALL_OPERATORS})`);
      return NEVER;
  }
}

interface List { scalars: Set<unknown>; objects: unknown[] }

/**
 * The equalities a compiled filter holds only with (a plain scalar, `$eq`, or `$in` of scalars, on a field reached
 * through fields and `$and`), read off its nodes; `$or` and `$not` need no one value, so what is under them is left out.
 */
export function requirements(n: Node, path: readonly string[] = [], out: Requirement[] = []): Requirement[] {
  switch (n.op) {
    case Op.All: for (const part of n.parts) requirements(part, path, out); break;
    case Op.Field: requirements(n.parts[0]!, [...path, n.key], out); break;
    // The array rule is crossed where the requirement's values are read (filter.ts valuesAt).
    case Op.ArrayRule: requirements(n.parts[0]!, path, out); break;
    case Op.Is: out.push({ path, values: [n.arg as Requirement["values"][number]] }); break;
    case Op.In: {
      const list = n.arg as List;
      if (list.objects.length === 0) out.push({ path, values: [...list.scalars] as Requirement["values"] });
      break;
    }
  }
  return out;
}
interface Pattern { pattern: RegExp; cost: (length: number) => number }

/** Characters `$regex` may still run on in the evaluation under way (reset by each match: evaluation is synchronous). */
let regexBudget = REGEX_BUDGET;

/** Whether a compiled filter matches a value; never throws (mismatched types compare false). */
export function matches(root: Node, value: unknown): boolean {
  regexBudget = REGEX_BUDGET;
  return holds(root, value);
}

function holds(n: Node, v: unknown): boolean {
  switch (n.op) {
    case Op.All: for (const part of n.parts) if (!holds(part, v)) return false; return true;
    case Op.Any: for (const part of n.parts) if (holds(part, v)) return true; return false;
    case Op.Not: return !holds(n.parts[0]!, v);
    case Op.Field: return isPlainObject(v) && holds(n.parts[0]!, Object.hasOwn(v, n.key) ? v[n.key] : undefined);
    case Op.ArrayRule: {
      const test = n.parts[0]!;
      if (holds(test, v)) return true;
      if (Array.isArray(v)) for (const element of v) if (holds(test, element)) return true;
      return false;
    }
    case Op.Is: return v === n.arg || (Array.isArray(v) && v.includes(n.arg));
    case Op.Equal: return deepEqual(v, n.arg);
    case Op.NotEqual: return !deepEqual(v, n.arg) && !(Array.isArray(v) && v.some((e) => deepEqual(e, n.arg)));
    case Op.Gt: return typeof v === typeof n.arg && (v as number | string) > (n.arg as number | string);
    case Op.Gte: return typeof v === typeof n.arg && (v as number | string) >= (n.arg as number | string);
    case Op.Lt: return typeof v === typeof n.arg && (v as number | string) < (n.arg as number | string);
    case Op.Lte: return typeof v === typeof n.arg && (v as number | string) <= (n.arg as number | string);
    case Op.In: return inList(n.arg as List, v);
    case Op.NotIn: return !inList(n.arg as List, v) && !(Array.isArray(v) && v.some((e) => inList(n.arg as List, e)));
    case Op.Exist: return (v !== undefined) === n.arg;
    case Op.Regex: {
      if (typeof v !== "string" || regexBudget <= 0) return false;
      const { pattern, cost } = n.arg as Pattern;
      if ((regexBudget -= cost(Math.min(v.length, REGEX_INPUT_CAP))) < 0) return false;
      return pattern.test(v.length > REGEX_INPUT_CAP ? v.slice(0, REGEX_INPUT_CAP) : v);
    }
    case Op.StartsWith: return typeof v === "string" && v.startsWith(n.arg as string);
    case Op.EndsWith: return typeof v === "string" && v.endsWith(n.arg as string);
    case Op.Never: return false;
  }
}

function inList(list: List, v: unknown): boolean {
  return typeof v !== "object" || v === null ? list.scalars.has(v) : list.objects.some((a) => deepEqual(v, a));
}

export function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function isScalar(value: unknown): value is string | number | boolean | null {
  return value === null || typeof value === "string" || typeof value === "number" || typeof value === "boolean";
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

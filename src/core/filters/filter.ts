import { formatPath } from "../paths.ts";
import { isPlainObject, matches, objectNode, requirements, type Report } from "./nodes.ts";

/**
 * Payload filters (DESIGN §14), in the syntax Convoy and Outpost share so their rules carry over: a plain value is
 * deep equality, an object descends into fields, `$`-operators compare, and a condition on an array field holds when
 * any element satisfies it. A filter is compiled once (when the endpoint is saved or loaded) into a tree of nodes
 * (nodes.ts); evaluating it never throws: a comparison between mismatched types (`$gt` on a string against a number)
 * is false.
 */

/** What a filter is matched against, per event and endpoint. */
export interface FilterInput {
  type: string;
  tenant: string | null;
  orderingKey: string | null;
  data: unknown;
}

/**
 * A compiled filter, with what every match needs: fan-out looks endpoints up by these values instead of evaluating
 * every filter on every event (fan-out.ts).
 */
export interface Matcher { (input: FilterInput): boolean; readonly requires: readonly Requirement[] }
/** One condition a filter cannot match without: the value at `path` (the array rule applied) is one of `values`. */
export interface Requirement { path: readonly string[]; values: readonly Scalar[] }
export type Scalar = string | number | boolean | null;
/** `path` as users read it (`data.amount.$gtx`, `$or[1]`), `at` as its parts (for a schema's issue path). */
export interface FilterProblem { path: string; at: Path; message: string }
type Path = readonly (string | number)[];
export type Compiled = { ok: true; match: Matcher } | { ok: false; problems: FilterProblem[] };

export const FILTER_MAX_BYTES = 4096;
export const FILTER_MAX_DEPTH = 8;

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
  const root = objectNode(filter, [], report);
  if (problems.length) return { ok: false, problems };
  return { ok: true, match: Object.assign((input: FilterInput) => matches(root, input), { requires: requirements(root) }) };
}

/**
 * The values a requirement's path reaches in an input, crossing arrays as the array rule does: at each field an
 * object, or the objects of an array; at the end the value, or an array's elements. `into` collects them.
 */
export function valuesAt(input: FilterInput, path: readonly string[], into: unknown[]): void {
  reach(input, path, 0, into);
}

function reach(value: unknown, path: readonly string[], at: number, into: unknown[]): void {
  if (at === path.length) {
    if (Array.isArray(value)) for (const element of value) into.push(element); else into.push(value);
    return;
  }
  const key = path[at]!;
  if (isPlainObject(value)) { if (Object.hasOwn(value, key)) reach(value[key], path, at + 1, into); return; }
  // The input itself is an object: arrays are crossed from the first field down.
  if (at > 0 && Array.isArray(value)) for (const element of value) if (isPlainObject(element) && Object.hasOwn(element, key)) reach(element[key], path, at + 1, into);
}

/** For a stored filter that no longer compiles: it needs a value out of none, so fan-out never even evaluates it. */
export const matchesNothing: Matcher = Object.assign(() => false, { requires: [{ path: [], values: [] }] });

const join = (path: Path, key: string | number): Path => [...path, key];

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

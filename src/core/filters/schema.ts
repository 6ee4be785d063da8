import * as v from "valibot";
import type { EndpointFilter } from "../endpoints/endpoint.ts";
import { compileFilter, FILTER_MAX_BYTES, FILTER_MAX_DEPTH } from "./filter.ts";

/**
 * An endpoint's `filter` as the config file and the admin API take it: a JSON object that compiles, each problem an
 * issue at its own path (`endpoints[2].filter.data.amount.$gtx`, a 422's `filter.data.amount.$gtx`).
 */
export const FilterSchema = v.pipe(
  v.record(v.string(), v.unknown()),
  v.rawCheck(({ dataset, addIssue }) => {
    if (!dataset.typed) return;
    const compiled = compileFilter(dataset.value);
    if (compiled.ok) return;
    for (const problem of compiled.problems) {
      addIssue({ message: problem.message, path: problem.at.map((key) => ({ type: "object", origin: "value", input: dataset.value, key, value: undefined })) as never });
    }
  }),
  v.description(
    "Which events of its types the endpoint gets, by their content: matched against `{ type, tenant, orderingKey, data }`. " +
    "A plain value is deep equality, an object descends into fields, operators `$eq $neq $gt $gte $lt $lte $in $nin $exist " +
    "$regex $startsWith $endsWith $not $and $or`; a condition on an array field holds when any element does. " +
    `At most ${FILTER_MAX_BYTES} bytes and ${FILTER_MAX_DEPTH} levels deep; a \`$regex\` that can backtrack catastrophically is refused.`,
  ),
  v.examples<EndpointFilter, [EndpointFilter]>([{ data: { amount: { $gte: 1000 }, currency: "EUR" } }]),
);

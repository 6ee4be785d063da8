import * as v from "valibot";
import { parseDuration } from "../core/duration.ts";

/** A duration option as the config writes it ("30s", "2m", or milliseconds), read as milliseconds. */
export const Duration = v.pipe(
  v.union([v.string(), v.pipe(v.number(), v.minValue(0))], 'must be a duration like "30s", "2m" or milliseconds'),
  v.check((d) => typeof d === "number" || parseDuration(d) !== null, 'must be a duration like "30s", "2m" or milliseconds'),
  v.transform((d) => (typeof d === "number" ? d : parseDuration(d)!)),
);

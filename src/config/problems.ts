import type * as v from "valibot";
import { formatPath } from "../core/paths.ts";

// Core writes event paths the same way; importers of this module keep finding formatPath here.
export { formatPath };

export interface Problem {
  path: string;
  message: string;
}

/** A strict object's complaint about a key it does not know (`endpoints[2].colour`). */
export function isUnknownKey(issue: v.BaseIssue<unknown>): boolean {
  return issue.kind === "schema" && issue.type === "strict_object" && issue.expected === "never";
}

/** Valibot issues as `path: message`, with the unknown-key and type messages made readable. */
export function toProblems(issues: readonly v.BaseIssue<unknown>[], prefix: (string | number)[] = []): Problem[] {
  return issues.map((issue) => {
    const parts = [...prefix, ...(issue.path ?? []).map((p) => p.key as string | number)];
    let message = issue.message;
    if (isUnknownKey(issue)) {
      message = `unknown key (remove it, or check its spelling)`;
    } else if (issue.kind === "schema" && /^Invalid (type|key)/.test(message)) {
      message = `expected ${issue.expected}, got ${issue.received}`;
    }
    return { path: formatPath(parts), message };
  });
}

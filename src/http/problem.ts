import * as v from "valibot";

import { problemBody, type ProblemBody } from "../plugin-api/problem.ts";

export { problem, problemBody, type ProblemBody } from "../plugin-api/problem.ts";

/** An error a handler throws to answer with a problem: status, detail, field errors and extra members. */
export class HttpProblem extends Error {
  constructor(
    readonly status: number,
    readonly detail: string,
    readonly errors?: ProblemBody["errors"],
    readonly headers: Record<string, string> = {},
    /** RFC 9457 extension members, e.g. the failed verification attempt. */
    readonly extra: Record<string, unknown> = {},
  ) {
    super(detail);
  }

  body(): ProblemBody & Record<string, unknown> {
    return { ...problemBody(this.status, this.detail, this.errors), ...this.extra };
  }
}

interface ElysiaValidationError {
  type?: string;
  value?: unknown;
  validator?: { schema?: unknown };
}

/**
 * Elysia's validation error, as a problem with one `{ path, message }` per issue. The issues are
 * recomputed from the route's valibot schema, because Elysia's own summary loses the paths.
 */
export function validationProblem(error: unknown): { status: number; body: ProblemBody } {
  const e = error as ElysiaValidationError;
  const on = e.type ?? "body";
  // A response that fails its own schema is hookgate's bug, never the client's.
  if (on === "response") return { status: 500, body: problemBody(500, "internal error: the answer did not match its schema") };
  const schema = e.validator?.schema as v.GenericSchema | undefined;
  const issues = schema && "~standard" in (schema as object) ? v.safeParse(schema, e.value).issues ?? [] : [];
  const prefix = on === "body" ? "" : `${on}.`;
  const errors = issues.map((issue) => ({ path: prefix + (v.getDotPath(issue) ?? "") || on, message: issue.message }));
  if (errors.length === 0) errors.push({ path: on, message: error instanceof Error ? error.message : "is invalid" });
  const detail = on === "body" ? "the request body is invalid" : `the request ${on === "params" ? "path" : on} is invalid`;
  return { status: 422, body: problemBody(422, detail, errors) };
}

/**
 * Where an answer failed its own schema, for the log: the fields' paths only. The answer itself, and the issue
 * messages that quote values, may hold a signing secret or a session token, which no log line may carry.
 */
export function answerIssuePaths(error: unknown): string {
  const e = error as ElysiaValidationError;
  const schema = e.validator?.schema as v.GenericSchema | undefined;
  const issues = schema && "~standard" in (schema as object) ? v.safeParse(schema, e.value).issues ?? [] : [];
  return `the answer is invalid at ${issues.map((issue) => v.getDotPath(issue) ?? "(root)").join(", ") || "(unknown)"}`;
}

import { Elysia } from "elysia";
import { formatPath } from "../../config/problems.ts";
import { MAX_DEPTH, TOO_DEEP, valueTooDeep } from "../../core/json-depth.ts";
import type { AdminAuth } from "../auth.ts";
import { HttpProblem } from "../problem.ts";

/**
 * Refuses admin bodies nested deeper than event data may be (MAX_DEPTH under a top-level field), before
 * validation: Elysia's validation error pretty-prints the whole value, which takes time quadratic in the depth
 * (a 20 KB body of brackets took 20 s), and storing a test event's data overflows the stack further down.
 * The walk has no recursion and stops at the limit.
 */
export function bodyDepth(auth: AdminAuth) {
  return new Elysia({ name: "hookgate/admin-body-depth" }).onTransform({ as: "scoped" }, async ({ body, request }) => {
    const path = valueTooDeep(body, MAX_DEPTH + 1);
    if (!path) return;
    // This hook may run before the route's auth: a caller without a token still learns nothing about the body rules.
    await auth.principal(request, request.method === "GET" ? "read" : "write");
    throw new HttpProblem(422, "the request body is invalid", [{ path: formatPath(path.slice(0, 1)), message: TOO_DEEP }]);
  });
}

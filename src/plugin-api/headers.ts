import * as v from "valibot";
import { headerNameSyntaxProblem } from "../outbound/header-rules.ts";
import { AuthSchema, HeaderValue } from "../config/schema.ts";

/**
 * Headers of a source's own requests. The name is held to HTTP's syntax only, not the endpoint rules: a source
 * may need `Authorization: token …` or `Host`. Values and `auth` are the endpoints' schemas.
 */
export const HeaderName = v.pipe(
  v.string(),
  v.check((name) => headerNameSyntaxProblem(name) === null, (issue) => headerNameSyntaxProblem(String(issue.input)) ?? "is not a valid header name"),
);
export { HeaderValue };
/** `{ type: "basic", username, password }` or `{ type: "bearer", token }`. */
export const Auth = AuthSchema;

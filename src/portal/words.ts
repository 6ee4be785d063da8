import { ApiError, type Problem } from "./api.ts";
import { maxBlockWords } from "./ordering.ts";
import { t } from "./messages/index.ts";

/**
 * The API's errors in a customer's words. The API's problem+json is written for whoever runs hookgate (config keys,
 * status codes, `verify: false`); a customer can act on none of that. Each rule turns one message into what the
 * customer can do, in the page's language; an unknown message is shown as it is (in English, as the API wrote it),
 * once its config hints are cut off.
 */
const RULES: [RegExp, (match: string) => string][] = [
  [/must be https/i, () => t("errHttps")],
  [/is not allowed \(use https\)|must be an absolute URL|Invalid URL/i, () => t("errFullUrl")],
  [/must not hold credentials/i, () => t("errCredentials")],
  [/loopback|private|link-local|reserved|unique local|carrier-grade|not a public|is (a|an) [\w -]+ address/i, () => t("errPrivate")],
  [/did not answer the ping/i, () => t("errPing")],
  [/at least one event type/i, () => t("pickOneType")],
  [/unknown event type "([^"]+)"/i, (type) => t("errUnknownType", type)],
  [/at most (\d+) headers|8 KiB/i, () => t("errHeaders")],
  [/past tenants\.maxEndpoints|endpoints? (limit|cap)|at most \d+ endpoints/i, () => t("errEndpointCap")],
  [/must be after since/i, () => t("errUntil")],
  // ordering.maxBlock: the API's duration rules (shared with every duration, but only this field is typed in the portal).
  [/must be a duration/i, maxBlockWords],
  [/secret/i, () => t("errSecret")],
];

/** Config hints the API adds for operators, in brackets: "(set delivery.requireHttps: false …)". */
const CONFIG_HINT = /\s*\((?:[^()]*\b(?:delivery|tenants|admin|events|portal)\.[\w.]+|[^()]*verify: false)[^()]*\)/g;

export function inCustomerWords(message: string): string {
  for (const [pattern, words] of RULES) {
    const match = pattern.exec(message);
    if (match) return words(match[1] ?? "");
  }
  const plain = message.replace(CONFIG_HINT, "").replace(/;?\s*send verify: false[^.;]*/i, "").trim();
  return plain ? plain[0]!.toUpperCase() + plain.slice(1) + (/[.!?]$/.test(plain) ? "" : ".") : message;
}

/** The field an API error path names: `events[0]` → `events`, `signing.scheme` → `signing`. */
const fieldOf = (path: string) => path.replace(/^body\./, "").split(/[.[]/)[0] ?? "";

/** Messages per form field, in the customer's words; `""` holds what belongs to no field. */
export function fieldErrors(error: unknown): Record<string, string> {
  // A form's own checks: already per field and in the customer's words.
  if (error && typeof error === "object" && !(error instanceof Error)) return error as Record<string, string>;
  if (!(error instanceof ApiError)) return error ? { "": inCustomerWords(String((error as Error).message ?? error)) } : {};
  const out: Record<string, string> = {};
  for (const e of error.problem.errors ?? []) {
    const field = fieldOf(e.path);
    out[field] ??= inCustomerWords(e.message);
  }
  if (!error.problem.errors?.length) out[""] = summary(error.problem);
  return out;
}

/** One sentence for a whole answer: what happened, never a status code as the heading. */
export function summary(problem: Problem): string {
  if (problem.status === 403) return t("errForbidden");
  if (problem.status === 404) return t("errNotFound");
  if (problem.status === 429) return t("errTooMany");
  if (problem.status >= 500) return t("errServer");
  if (problem.status === 0) return t("errOffline");
  return inCustomerWords(problem.detail || problem.title);
}

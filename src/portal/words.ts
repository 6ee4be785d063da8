import { ApiError, type Problem } from "./api.ts";
import { MAX_BLOCK_WORDS } from "./ordering.ts";

/**
 * The API's errors in a customer's words. The API's problem+json is written for whoever runs hookgate (config keys,
 * status codes, `verify: false`); a customer can act on none of that. Each rule turns one message into what the
 * customer can do; an unknown message is shown as it is, once its config hints are cut off.
 */
const RULES: [RegExp, string][] = [
  [/must be https/i, "Use an address that starts with https://."],
  [/is not allowed \(use https\)|must be an absolute URL|Invalid URL/i, "Enter a full web address, like https://example.com/webhooks."],
  [/must not hold credentials/i, "Leave the user name and password out of the address: use Receiver authentication below instead."],
  [/loopback|private|link-local|reserved|unique local|carrier-grade|not a public|is (a|an) [\w -]+ address/i,
    "This address is inside a private network that webhooks cannot reach. Use an address that is reachable from the internet."],
  [/did not answer the ping/i, "Your endpoint did not answer our test request with a success (a 2xx status). Check that it is running and reachable, then try again — its answer is shown below."],
  [/at least one event type/i, "Pick at least one event type."],
  [/unknown event type "([^"]+)"/i, "“$1” is not an event type we send. Pick one from the list."],
  [/at most (\d+) headers|8 KiB/i, "Custom headers are too long: at most 50 headers and 8 KiB in all."],
  [/past tenants\.maxEndpoints|endpoints? (limit|cap)|at most \d+ endpoints/i, "You have reached the number of endpoints your plan allows. Delete one you no longer use to add another."],
  [/must be after since/i, "The end must be after the start."],
  // ordering.maxBlock: the API's duration rules (shared with every duration, but only this field is typed in the portal).
  [/must be a duration/i, MAX_BLOCK_WORDS],
  [/secret/i, "This signing secret cannot be used with the chosen signing scheme."],
];

/** Config hints the API adds for operators, in brackets: "(set delivery.requireHttps: false …)". */
const CONFIG_HINT = /\s*\((?:[^()]*\b(?:delivery|tenants|admin|events|portal)\.[\w.]+|[^()]*verify: false)[^()]*\)/g;

export function inCustomerWords(message: string): string {
  for (const [pattern, words] of RULES) {
    const match = pattern.exec(message);
    if (match) return words.replace("$1", match[1] ?? "");
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
  if (problem.status === 403) return "Your access does not allow this: ask for a link with write access.";
  if (problem.status === 404) return "This was not found: it may have been deleted meanwhile.";
  if (problem.status === 429) return "Too many requests at once: wait a few seconds and try again.";
  if (problem.status >= 500) return "Something went wrong on our side. Try again in a moment.";
  if (problem.status === 0) return "The server could not be reached. Check your connection and try again.";
  return inCustomerWords(problem.detail || problem.title);
}

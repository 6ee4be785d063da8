import type { RuntimeEndpoint } from "./endpoints/registry.ts";
import { eventBody, eventView } from "./events.ts";
import { sign, signWithKeys } from "./signing.ts";
import type { EventRow } from "../store/schema.ts";
import { headerValueProblem, isSecretHeaderName, sendableHeaderNameProblem } from "./header-rules.ts";

import { VERSION } from "../version.ts";
const USER_AGENT = `hookgate/${VERSION}`;
/** What the attempt log shows instead of a credential: auth's, and secret-looking headers' (isSecretHeaderName). */
export const REDACTED = "[redacted]";

export interface PreparedRequest {
  url: string;
  headers: Record<string, string>;
  body: string;
  /** The request headers as the attempt log shows them: credentials redacted. */
  loggedHeaders: Record<string, string>;
}

const PRINTABLE = /^[\x20-\x7e]*$/;

/** Builds one attempt's request: body (transformed or not), hookgate's headers, the endpoint's, auth, signature. */
export function prepareRequest(endpoint: RuntimeEndpoint, event: EventRow, deliveryId: string, attempt: number, nowMs: number): PreparedRequest {
  const timestamp = Math.floor(nowMs / 1000);
  const view = endpoint.transform || hasFunctions(endpoint.headers) ? eventView(event) : null;
  const body = endpoint.transform ? JSON.stringify(endpoint.transform(view!) ?? null) : eventBody(event);
  const headers: Record<string, string> = {
    "content-type": "application/json",
    "user-agent": USER_AGENT,
    "webhook-id": event.id,
    "webhook-timestamp": String(timestamp),
    "webhook-event": event.type,
    "webhook-attempt": String(attempt),
  };
  // DESIGN §13; a key beyond printable ASCII goes percent-encoded (UTF-8), as a header value must be.
  if (event.ordering_key != null) headers["webhook-ordering-key"] = PRINTABLE.test(event.ordering_key) ? event.ordering_key : encodeURIComponent(event.ordering_key);
  const secretNames: string[] = [];
  for (const [name, value] of Object.entries(endpoint.headers)) {
    // Checked here too: a header function's value is only known now, and API rows may predate a rule.
    const nameProblem = sendableHeaderNameProblem(name);
    if (nameProblem) throw new Error(`header ${name}: ${nameProblem}`);
    const text = typeof value === "function" ? String(value({ event: view!, deliveryId, attempt, timestamp }) ?? "") : value;
    const valueProblem = headerValueProblem(text);
    if (valueProblem) throw new Error(`header ${name}: the value ${valueProblem}`);
    headers[name.toLowerCase()] = text;
    if (isSecretHeaderName(name)) secretNames.push(name.toLowerCase());
  }
  const logged = { ...headers };
  for (const name of secretNames) logged[name] = REDACTED;
  if (endpoint.auth) {
    headers.authorization = endpoint.auth.type === "basic"
      ? `Basic ${Buffer.from(`${endpoint.auth.username}:${endpoint.auth.password}`).toString("base64")}`
      : `Bearer ${endpoint.auth.token}`;
    logged.authorization = `${endpoint.auth.type === "basic" ? "Basic" : "Bearer"} ${REDACTED}`;
  }
  // The old secret stops signing the moment its grace ends, not at the next registry refresh.
  const expired = endpoint.previousUntil !== null && endpoint.previousUntil <= nowMs;
  const input = { id: event.id, timestamp, body };
  const signature = endpoint.scheme === "ed25519"
    ? signWithKeys(expired ? endpoint.signingKeys.slice(0, 1) : endpoint.signingKeys, input)
    : sign(endpoint.scheme, expired ? endpoint.secrets.slice(0, 1) : endpoint.secrets, input);
  if (signature !== null && endpoint.header) {
    headers[endpoint.header.toLowerCase()] = signature;
    logged[endpoint.header.toLowerCase()] = signature;
  }
  return { url: endpoint.url, headers, body, loggedHeaders: logged };
}

function hasFunctions(headers: RuntimeEndpoint["headers"]): boolean {
  for (const value of Object.values(headers)) if (typeof value === "function") return true;
  return false;
}

// The sender port: what core asks of the outbound side. src/outbound/ implements it (send.ts, url-policy.ts) and
// app/ wires it in; core never reaches a socket or a resolver itself.

export interface OutboundRequest {
  url: string;
  /** POST unless said (deliveries); sources GET through the same sender (checked-fetch.ts). */
  method?: "GET" | "POST";
  headers: Record<string, string>;
  body?: string;
  /** Total time for the attempt: connect, send, response headers and body. */
  timeoutMs: number;
  /**
   * Read the whole response body up to this many bytes, and fail the request when it is longer. Without it the
   * body is cut at MAX_RESPONSE_BODY (a receiver's answer is only logged).
   */
  maxResponseBytes?: number;
  /** Aborts the request, e.g. when a source stops. */
  signal?: AbortSignal;
}

export interface OutboundResult {
  statusCode: number | null;
  responseHeaders: Record<string, string>;
  responseBody: string;
  durationMs: number;
  error: string | null;
  /** True when the address policy refused the target and no socket was opened. */
  refused: boolean;
  /** The response body's size in bytes, as read. */
  responseBytes?: number;
  /** True when the body passed `maxResponseBytes` (error says so; the body is not returned). */
  tooLarge?: boolean;
}

/** The address policy a URL is checked against (delivery's, or a tenant's narrower one). */
export interface UrlPolicy {
  requireHttps: boolean;
  allowNetworks: readonly string[];
  /** Where `allowNetworks` is set, as refusals name it: `delivery.allowNetworks` unless said (tenant endpoints: `tenants.allowNetworks`). */
  allowNetworksSetting?: string;
}

/** Registration's URL checks: each answers the refusal's reason, or null when the URL may be used. */
export interface UrlChecker {
  /** The URL as written: scheme, host, literal addresses. */
  check(url: string, policy: UrlPolicy): string | null;
  /** The addresses its host resolves to. */
  checkResolved(url: string, policy: UrlPolicy): Promise<string | null>;
}

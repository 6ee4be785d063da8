import { send, type SenderOptions } from "./send.ts";

/**
 * The checked sender as sources use it (`ctx.fetch`): the same address policy, pinned connection, proxy and
 * timeouts as deliveries, so a source cannot reach what an endpoint may not. Every outbound request goes
 * through send().
 */

export interface CheckedFetchInit {
  method?: "GET" | "POST";
  headers?: Record<string, string>;
  body?: string;
  /** Total time: connect, request, the whole answer. Default 30 s. */
  timeoutMs?: number;
  /** The answer is read whole up to this many bytes; a longer one rejects. Default `server.maxBodyBytes`. */
  maxBytes?: number;
  signal?: AbortSignal;
}

/** Any status, 3xx included: redirects are answered, never followed. */
export interface CheckedResponse {
  status: number;
  headers: Record<string, string>;
  /** The whole body, decoded as UTF-8. */
  body: string;
  /** The body's size in bytes. */
  bytes: number;
}

export type CheckedFetch = (url: string, init?: CheckedFetchInit) => Promise<CheckedResponse>;

/** Why a checked request got no answer. The message never holds the response body or the URL's query. */
export class OutboundError extends Error {
  constructor(message: string, readonly reason: "refused" | "too-large" | "failed") {
    super(message);
    this.name = "OutboundError";
  }
}

export function checkedFetch(options: SenderOptions, defaults: { timeoutMs: number; maxBytes: number }): CheckedFetch {
  return async (url, init = {}) => {
    const maxBytes = init.maxBytes ?? defaults.maxBytes;
    const result = await send({
      url, method: init.method ?? "GET", headers: init.headers ?? {}, body: init.body,
      timeoutMs: init.timeoutMs ?? defaults.timeoutMs, maxResponseBytes: maxBytes, signal: init.signal,
    }, options);
    if (result.refused) throw new OutboundError(result.error ?? "refused", "refused");
    if (result.tooLarge) throw new OutboundError(`the answer is longer than ${maxBytes} bytes`, "too-large");
    if (result.error !== null || result.statusCode === null) throw new OutboundError(result.error ?? "no answer", "failed");
    return { status: result.statusCode, headers: result.responseHeaders, body: result.responseBody, bytes: result.responseBytes ?? 0 };
  };
}

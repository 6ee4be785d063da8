import { markCold, markWarm, watchConnect } from "./connect-watch.ts";
import { pinKnown, pinTarget, type PinnedTarget, type Resolver } from "./target.ts";
import type { UrlPolicy } from "./url-policy.ts";
import type { OutboundRequest, OutboundResult } from "../core/sender.ts";

export { systemResolver, type Resolver } from "./target.ts";

export const MAX_RESPONSE_BODY = 64 * 1024;

export type { OutboundRequest, OutboundResult };

export interface SenderOptions extends UrlPolicy {
  resolve?: Resolver;
  /** Abort when the peer has not accepted a connection within this long (see connect-watch.ts). */
  connectTimeoutMs?: number;
  /** An HTTP proxy (CONNECT for https) that all deliveries go through; it is asked for the checked address. */
  proxy?: string;
  /** Extra trusted CA certificates (PEM) for https receivers; tests use it for a self-signed receiver. */
  ca?: string;
}

/** Reads at most `cap` bytes, then drops the connection: a receiver streaming gigabytes costs nothing more. */
async function readCapped(response: Response, cap = MAX_RESPONSE_BODY): Promise<{ text: string; error: unknown; size: number }> {
  if (!response.body) return { text: "", error: null, size: 0 };
  // An empty answer (the common 200/202/204 with no body) needs no stream reader.
  if (response.status === 204 || response.headers.get("content-length") === "0") return { text: "", error: null, size: 0 };
  const reader = response.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  let error: unknown = null;
  try {
    while (size < cap) {
      const { done, value } = await reader.read();
      if (done) break;
      chunks.push(value);
      size += value.byteLength;
    }
    if (size >= cap) reader.cancel().catch(() => {});
  } catch (e) {
    error = e;
  }
  const text = new TextDecoder().decode(Buffer.concat(chunks, size).subarray(0, cap));
  return { text, error, size: Math.min(size, cap) };
}

/** One request (a POST unless `method` says GET) with the address policy applied at connect time. Never throws. */
export async function send(request: OutboundRequest, options: SenderOptions): Promise<OutboundResult> {
  const started = performance.now();
  const result = (partial: Partial<OutboundResult>): OutboundResult => ({
    statusCode: null, responseHeaders: {}, responseBody: "", error: null, refused: false,
    durationMs: Math.round(performance.now() - started), ...partial,
  });

  // One controller for both deadlines; `why` says which one fired.
  const abort = new AbortController();
  let why: string | null = null;
  const stopAt = (reason: string) => { if (!why) { why = reason; abort.abort(new Error(reason)); } };
  const total = setTimeout(() => stopAt(`timeout after ${request.timeoutMs} ms`), request.timeoutMs);
  const callerAborted = () => stopAt("aborted");
  if (request.signal?.aborted) callerAborted();
  request.signal?.addEventListener("abort", callerAborted, { once: true });
  let target: PinnedTarget | null = null;
  let watchKey = "";
  let stopWatch = () => {};
  try {
    const picked = pinKnown(request.url, options) ?? await Promise.race([pinTarget(request.url, options, options.resolve), aborted(abort.signal)]);
    if ("refusal" in picked) return result({ error: `refused: ${picked.refusal}`, refused: true });
    target = picked.target;

    const via = options.proxy ? new URL(options.proxy) : null;
    watchKey = via ? `proxy ${via.host}` : `${target.address} ${target.port}`;
    const connectMs = options.connectTimeoutMs;
    if (connectMs !== undefined && connectMs < request.timeoutMs) {
      const expired = () => stopAt(`connect timeout: ${via ? `the proxy ${via.host}` : target!.address} did not accept a connection within ${connectMs} ms`);
      stopWatch = via
        ? watchConnect(watchKey, via.hostname.replace(/^\[|\]$/g, ""), Number(via.port || (via.protocol === "https:" ? 443 : 80)), connectMs, expired)
        : watchConnect(watchKey, target.address, target.port, connectMs, expired);
    }

    const response = await fetch(target.url, {
      method: request.method ?? "POST",
      headers: { ...request.headers, host: target.host },
      body: request.body,
      redirect: "manual", // a 3xx is the receiver's answer: recorded and failed, never followed
      signal: abort.signal,
      tls: target.url.protocol === "https:" ? { serverName: target.serverName, ...(options.ca ? { ca: options.ca } : {}) } : undefined,
      proxy: options.proxy,
      keepalive: true,
    } as RequestInit);
    stopWatch();
    markWarm(watchKey);
    const responseHeaders: Record<string, string> = {};
    response.headers.forEach((value, key) => { responseHeaders[key] = value; });
    const limit = request.maxResponseBytes;
    const body = await readCapped(response, limit === undefined ? MAX_RESPONSE_BODY : limit + 1); // one more byte tells "too large"
    if (limit !== undefined && body.size > limit) {
      return result({ responseHeaders, responseBytes: body.size, tooLarge: true, error: `HTTP ${response.status}, then the response body passed ${limit} bytes` });
    }
    if (body.error !== null) {
      // The receiver answered but the body broke off (reset, or too slow): the attempt failed, whatever the status.
      const cause = why ?? describe(body.error);
      return result({ responseHeaders, responseBody: body.text, error: `HTTP ${response.status}, then the response body failed: ${cause}` });
    }
    return result({ statusCode: response.status, responseHeaders, responseBody: body.text, responseBytes: body.size });
  } catch (e) {
    if (watchKey) markCold(watchKey);
    return result({ error: why ?? describe(e) });
  } finally {
    clearTimeout(total);
    request.signal?.removeEventListener("abort", callerAborted);
    stopWatch();
  }
}

function aborted(signal: AbortSignal): Promise<never> {
  return new Promise((_, reject) => signal.addEventListener("abort", () => reject(signal.reason), { once: true }));
}

/** Bun's fetch errors read "ECONNRESET: ECONNRESET: ... pass `verbose: true` ..."; keep the part a reader needs. */
function describe(e: unknown): string {
  if (!(e instanceof Error)) return String(e);
  const code = (e as { code?: string }).code;
  const message = e.message.replace(/\s*For more information, pass `verbose: true`.*$/s, "").replace(/ fetching "[^"]*"\.?/, "");
  return code && !message.startsWith(code) ? `${code}: ${message}` : message;
}

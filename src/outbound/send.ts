import { lookup } from "node:dns/promises";
import { classifyAddress, refusalReason } from "./address.ts";
import { allowedCidrs, hostOf, type UrlPolicy } from "./url-policy.ts";

export const MAX_RESPONSE_BODY = 64 * 1024;

export interface OutboundRequest {
  url: string;
  headers: Record<string, string>;
  body: string;
  timeoutMs: number;
}

export interface OutboundResult {
  statusCode: number | null;
  responseHeaders: Record<string, string>;
  responseBody: string;
  durationMs: number;
  error: string | null;
  /** True when the address policy refused the target and no socket was opened. */
  refused: boolean;
}

export type Resolver = (host: string) => Promise<string[]>;

export const systemResolver: Resolver = async (host) =>
  (await lookup(host, { all: true, verbatim: true })).map((a) => a.address);

export interface SenderOptions extends UrlPolicy {
  resolve?: Resolver;
}

/** Resolves the host and checks every address; the connection goes to the checked address only. */
async function pickAddress(url: URL, options: SenderOptions): Promise<{ address: string } | { refusal: string }> {
  const host = hostOf(url);
  const cidrs = allowedCidrs(options.allowNetworks);
  const addresses = classifyAddress(host) !== null ? [host] : await (options.resolve ?? systemResolver)(host);
  if (addresses.length === 0) return { refusal: `${host} did not resolve to any address` };
  for (const address of addresses) {
    const reason = refusalReason(address, cidrs);
    if (reason) return { refusal: host === address ? reason : `${host} resolves to ${reason}` };
  }
  return { address: addresses[0]! };
}

async function readCapped(response: Response): Promise<string> {
  if (!response.body) return "";
  const reader = response.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  while (size < MAX_RESPONSE_BODY) {
    const { done, value } = await reader.read();
    if (done) break;
    chunks.push(value);
    size += value.byteLength;
  }
  // Stop reading past the cap: a receiver streaming gigabytes costs nothing more.
  if (size >= MAX_RESPONSE_BODY) reader.cancel().catch(() => {});
  const all = Buffer.concat(chunks, size);
  return new TextDecoder().decode(all.subarray(0, MAX_RESPONSE_BODY));
}

/** One POST with the address policy applied at connect time. Never throws. */
export async function send(request: OutboundRequest, options: SenderOptions): Promise<OutboundResult> {
  const started = performance.now();
  const result = (partial: Partial<OutboundResult>): OutboundResult => ({
    statusCode: null, responseHeaders: {}, responseBody: "", error: null, refused: false,
    durationMs: Math.round(performance.now() - started), ...partial,
  });
  let url: URL;
  try { url = new URL(request.url); } catch { return result({ error: "invalid URL", refused: true }); }
  if (url.protocol === "http:" && options.requireHttps) return result({ error: "refused: http is not allowed (delivery.requireHttps)", refused: true });

  const signal = AbortSignal.timeout(request.timeoutMs);
  try {
    const picked = await pickAddress(url, options);
    if ("refusal" in picked) return result({ error: `refused: ${picked.refusal}`, refused: true });
    const target = new URL(url);
    target.hostname = picked.address.includes(":") ? `[${picked.address}]` : picked.address;
    const response = await fetch(target, {
      method: "POST",
      headers: { ...request.headers, host: url.host },
      body: request.body,
      redirect: "manual",
      signal,
      tls: url.protocol === "https:" ? { serverName: hostOf(url) } : undefined,
      keepalive: true,
    } as RequestInit);
    const responseHeaders: Record<string, string> = {};
    response.headers.forEach((value, key) => { responseHeaders[key] = value; });
    const responseBody = await readCapped(response);
    return result({ statusCode: response.status, responseHeaders, responseBody });
  } catch (e) {
    const timedOut = signal.aborted;
    return result({ error: timedOut ? `timeout after ${request.timeoutMs} ms` : describe(e) });
  }
}

function describe(e: unknown): string {
  if (e instanceof Error) {
    const code = (e as { code?: string }).code;
    return code ? `${code}: ${e.message}` : e.message;
  }
  return String(e);
}

import type pg from "pg";
import { OutboundError, pgDriver, type CheckedFetch } from "../../src/plugin-api/index.ts";
import type { PollOptions } from "./options.ts";

type Items = (body: unknown) => unknown;

/** One page of items for `cursor`, from an HTTP answer or a query's rows. */
export interface PageSource {
  fetch(cursor: unknown, signal: AbortSignal): Promise<unknown[]>;
  close(): Promise<void>;
}

/**
 * GETs through the gateway's checked sender (ctx.fetch): the delivery address policy, no redirects, the whole
 * answer up to server.maxBodyBytes. Errors say the status and the size, never the body: an internal server's
 * answer must not reach the logs or GET /api/v1/sources.
 */
export function httpPages(options: PollOptions, get: CheckedFetch, maxBytes: number): PageSource {
  const headers: Record<string, string> = { accept: "application/json", ...options.headers };
  if (options.auth?.type === "basic") headers.authorization = `Basic ${btoa(`${options.auth.username}:${options.auth.password}`)}`;
  if (options.auth?.type === "bearer") headers.authorization = `Bearer ${options.auth.token}`;
  const shown = (() => { const u = new URL(options.url.replaceAll("{cursor}", "")); return `${u.origin}${u.pathname}`; })();
  return {
    async fetch(cursor, signal) {
      const url = options.url.replaceAll("{cursor}", encodeURIComponent(cursor === undefined || cursor === null ? "" : String(cursor)));
      const response = await get(url, { headers, timeoutMs: options.timeout, maxBytes, signal }).catch((e: unknown) => {
        if (e instanceof OutboundError && e.reason === "too-large") {
          throw new Error(`GET ${shown} answered more than ${maxBytes} bytes (server.maxBodyBytes): ask for smaller pages, or raise server.maxBodyBytes`);
        }
        throw new Error(`GET ${shown} failed: ${(e as Error).message}`);
      });
      const answered = `GET ${shown} answered ${response.status} with ${response.bytes} bytes`;
      if (response.status >= 300 && response.status < 400) throw new Error(`${answered}: redirects are not followed (set url to the final address)`);
      if (response.status < 200 || response.status >= 300) throw new Error(answered);
      let body: unknown;
      try { body = JSON.parse(response.body); } catch { throw new Error(`${answered} that are not JSON`); }
      const items = options.items ? await (options.items as Items)(body) : body;
      if (!Array.isArray(items)) {
        throw new Error(options.items ? "items(body) did not return an array" : `GET ${shown} did not answer an array: set items, e.g. items: (body) => body.data`);
      }
      return items;
    },
    async close() {},
  };
}

export function sqlPages(options: PollOptions & { query: string }, applicationName: string): PageSource {
  let pool: pg.Pool | null = null;
  const withCursor = /\$1\b/.test(options.query);
  return {
    async fetch(cursor) {
      pool ??= new (pgDriver().Pool)({
        connectionString: options.url, max: 1, application_name: applicationName,
        connectionTimeoutMillis: 10_000, query_timeout: options.timeout, keepAlive: true,
      }).on("error", () => {}); // an idle connection that dies is replaced on the next run
      const { rows } = await pool.query(options.query, withCursor ? [cursor ?? null] : []);
      return rows;
    },
    async close() {
      const p = pool;
      pool = null;
      await p?.end().catch(() => {});
    },
  };
}

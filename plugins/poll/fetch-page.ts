import pg from "pg";
import type { PollOptions } from "./options.ts";

type Items = (body: unknown) => unknown;

/** One page of items for `cursor`, from an HTTP answer or a query's rows. */
export interface PageSource {
  fetch(cursor: unknown, signal: AbortSignal): Promise<unknown[]>;
  close(): Promise<void>;
}

export function httpPages(options: PollOptions): PageSource {
  const headers: Record<string, string> = { accept: "application/json", ...options.headers };
  if (options.auth?.type === "basic") headers.authorization = `Basic ${btoa(`${options.auth.username}:${options.auth.password}`)}`;
  if (options.auth?.type === "bearer") headers.authorization = `Bearer ${options.auth.token}`;
  const shown = (() => { const u = new URL(options.url.replaceAll("{cursor}", "")); return `${u.origin}${u.pathname}`; })();
  return {
    async fetch(cursor, signal) {
      const url = options.url.replaceAll("{cursor}", encodeURIComponent(cursor === undefined || cursor === null ? "" : String(cursor)));
      const response = await fetch(url, { headers, signal: AbortSignal.any([signal, AbortSignal.timeout(options.timeout)]) });
      const text = await response.text();
      if (!response.ok) throw new Error(`GET ${shown} answered ${response.status}: ${text.slice(0, 200)}`);
      let body: unknown;
      try { body = JSON.parse(text); } catch { throw new Error(`GET ${shown} did not answer JSON: ${text.slice(0, 200)}`); }
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
      pool ??= new pg.Pool({
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

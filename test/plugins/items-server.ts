/** A real HTTP API on 127.0.0.1 that pages items after a cursor: GET /items?after=ID → { items: [...] }. */
export interface ItemsServer {
  url: string;
  items: { id: number; name: string }[];
  requests: { after: string; authorization: string | null; tenant: string | null }[];
  /** Answers 401 unless the request carries this bearer token (when set). */
  token: string | null;
  stop(): void;
}

export function startItemsServer(options: { count: number; pageSize: number; delayMs?: number }): ItemsServer {
  const state: ItemsServer = {
    url: "",
    items: Array.from({ length: options.count }, (_, i) => ({ id: i + 1, name: `item ${i + 1}` })),
    requests: [],
    token: null,
    stop: () => server.stop(true),
  };
  const server = Bun.serve({
    hostname: "127.0.0.1",
    port: 0,
    async fetch(request) {
      const url = new URL(request.url);
      const after = url.searchParams.get("after") ?? "";
      const authorization = request.headers.get("authorization");
      state.requests.push({ after, authorization, tenant: request.headers.get("x-tenant") });
      if (state.token && authorization !== `Bearer ${state.token}`) return Response.json({ error: "unauthorized" }, { status: 401 });
      if (options.delayMs) await Bun.sleep(options.delayMs);
      const from = after === "" ? 0 : Number(after);
      return Response.json({ items: state.items.filter((i) => i.id > from).slice(0, options.pageSize) });
    },
  });
  state.url = `http://127.0.0.1:${server.port}/items`;
  return state;
}

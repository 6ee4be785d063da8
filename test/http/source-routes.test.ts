import { afterAll, expect, test } from "bun:test";
import { sourceRoutes } from "../../src/http/server.ts";

// The sources' routes on a real Bun.serve: what a route is told about its request.
const seen: (string | null)[] = [];
let asked = 0;
const server = Bun.serve({
  hostname: "127.0.0.1", port: 0,
  routes: sourceRoutes({
    isDraining: () => false,
    routes: [
      { method: "POST", path: "/with-ip", handle: (_request, info) => { const ip = info.ip; seen.push(ip); return new Response(ip ?? "none"); } },
      { method: "POST", path: "/without", handle: (_request, info) => { void Object.keys(info); asked++; return new Response(null, { status: 202 }); } },
    ],
  }),
  fetch: () => new Response("no route", { status: 404 }),
});
afterAll(() => server.stop(true));

test("a route that reads info.ip gets the peer's address; one that does not is answered the same", async () => {
  const withIp = await fetch(`http://127.0.0.1:${server.port}/with-ip`, { method: "POST", body: "{}" });
  expect(await withIp.text()).toBe("127.0.0.1");
  expect(seen).toEqual(["127.0.0.1"]);
  const without = await fetch(`http://127.0.0.1:${server.port}/without`, { method: "POST", body: "{}" });
  expect(without.status).toBe(202);
  expect(without.headers.get("x-content-type-options")).toBe("nosniff");
  expect(asked).toBe(1);
});

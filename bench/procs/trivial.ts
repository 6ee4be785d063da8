/** L0: the physical limit of ingest on this machine: a Bun.serve that reads the body and answers 202. */
const server = Bun.serve({
  hostname: "127.0.0.1",
  port: 0,
  async fetch(request) {
    if (request.method !== "POST") return new Response("not found", { status: 404 });
    await request.arrayBuffer();
    return new Response('{"accepted":true}', { status: 202, headers: { "content-type": "application/json" } });
  },
});
console.log(JSON.stringify({ port: server.port }));

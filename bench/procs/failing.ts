/** M1's receiver: answers every POST with 500 (a receiver that is down) and counts them. GET /_count reads the count. */
let requests = 0;
const failing = Bun.serve({
  hostname: "127.0.0.1",
  port: 0,
  idleTimeout: 60,
  async fetch(request) {
    if (request.method === "POST") {
      await request.arrayBuffer();
      requests++;
      return new Response("down for maintenance", { status: 500 });
    }
    return Response.json({ requests });
  },
});
console.log(JSON.stringify({ port: failing.port }));

/** A real HTTP receiver on 127.0.0.1 that records every request and answers as the test says. */
export interface Received {
  method: string;
  path: string;
  headers: Record<string, string>;
  body: string;
  at: number;
}

export interface Receiver {
  url: string;
  port: number;
  requests: Received[];
  /** Replaces how the receiver answers from now on. */
  respond(handler: (req: Received, n: number) => Response | Promise<Response>): void;
  stop(): void;
}

export function startReceiver(handler: (req: Received, n: number) => Response | Promise<Response> = () => new Response("ok")): Receiver {
  const requests: Received[] = [];
  let current = handler;
  const server = Bun.serve({
    hostname: "127.0.0.1",
    port: 0,
    async fetch(request) {
      const headers: Record<string, string> = {};
      request.headers.forEach((v, k) => { headers[k] = v; });
      const received = { method: request.method, path: new URL(request.url).pathname, headers, body: await request.text(), at: Date.now() };
      requests.push(received);
      return current(received, requests.length);
    },
  });
  return {
    url: `http://127.0.0.1:${server.port}/hooks`,
    port: server.port!,
    requests,
    respond(h) { current = h; },
    stop() { server.stop(true); },
  };
}

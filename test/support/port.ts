/**
 * A loopback port that was free a moment ago: Bun picks one, then lets it go, for a process that must bind the port
 * itself and cannot take port 0 (Postgres, prometheus, a config that names its port).
 */
export function freePort(): number {
  const probe = Bun.serve({ hostname: "127.0.0.1", port: 0, fetch: () => new Response() });
  const port = probe.port!;
  probe.stop(true);
  return port;
}

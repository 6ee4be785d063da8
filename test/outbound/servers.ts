import type { Socket, TCPSocketListener } from "bun";
import { connect, type Socket as NetSocket } from "node:net";
import { join } from "node:path";

/** Misbehaving receivers and traps for the sender tests. All on loopback. */

const fixtures = join(import.meta.dir, "fixtures");
/** A self-signed certificate for hooks.example.test only (not for 127.0.0.1), valid until 2126. */
export const TLS = {
  cert: await Bun.file(join(fixtures, "receiver.cert.pem")).text(),
  key: await Bun.file(join(fixtures, "receiver.key.pem")).text(),
  name: "hooks.example.test",
};

/** A listener that must never see a connection: counts every one it gets. */
export interface Trap { hostname: string; port: number; connections: number; stop(): void }

export function startTrap(hostname: string, port = 0): Trap {
  const trap = { hostname, port: 0, connections: 0, stop: () => {} };
  const listener = Bun.listen({ hostname, port, socket: { open(s) { trap.connections++; s.end(); }, data() {} } });
  trap.port = listener.port;
  trap.stop = () => listener.stop(true);
  return trap;
}

type Raw = Socket<{ started: boolean; timers: Timer[] }>;

/**
 * A raw TCP server: `onRequest` runs once per connection, at the first bytes of the request, and writes
 * whatever it likes. Counts connections and notices when the sender drops one.
 */
export interface RawServer { port: number; url: string; connections: number; closed: number; stop(): void }

export function startRaw(onRequest: (socket: Raw, server: RawServer) => void): RawServer {
  const server: RawServer = { port: 0, url: "", connections: 0, closed: 0, stop: () => {} };
  const listener: TCPSocketListener<{ started: boolean; timers: Timer[] }> = Bun.listen({
    hostname: "127.0.0.1",
    port: 0,
    socket: {
      open(s) { s.data = { started: false, timers: [] }; server.connections++; },
      data(s) { if (!s.data.started) { s.data.started = true; onRequest(s, server); } },
      close(s) { server.closed++; for (const t of s.data.timers) clearInterval(t); },
      error() {},
    },
  });
  server.port = listener.port;
  server.url = `http://127.0.0.1:${listener.port}/hooks`;
  server.stop = () => listener.stop(true);
  return server;
}

/** Writes `text` one byte every `everyMs`. */
export function dribble(s: Raw, text: string, everyMs: number): void {
  let i = 0;
  const timer = setInterval(() => {
    if (i >= text.length || s.readyState !== 1) return clearInterval(timer);
    s.write(text[i++]!);
  }, everyMs);
  s.data.timers.push(timer);
}

/**
 * A listening socket that accepts nothing: listen(2) with a backlog of 0 and no accept(2), its one queue slot
 * filled. Further SYNs are dropped, so a connect hangs as it would to a blackholed address. Linux only (FFI to libc).
 */
/** The blackhole listener needs listen(2) via FFI: Linux only. Tests that use it are `test.skipIf(!HAS_BLACKHOLE)`. */
export const HAS_BLACKHOLE = process.platform === "linux";

export async function startBlackhole(): Promise<{ port: number; close(): void } | null> {
  if (!HAS_BLACKHOLE) return null;
  const { dlopen, FFIType, ptr } = await import("bun:ffi");
  const libc = dlopen("libc.so.6", {
    socket: { args: [FFIType.i32, FFIType.i32, FFIType.i32], returns: FFIType.i32 },
    bind: { args: [FFIType.i32, FFIType.ptr, FFIType.u32], returns: FFIType.i32 },
    listen: { args: [FFIType.i32, FFIType.i32], returns: FFIType.i32 },
    getsockname: { args: [FFIType.i32, FFIType.ptr, FFIType.ptr], returns: FFIType.i32 },
    close: { args: [FFIType.i32], returns: FFIType.i32 },
  });
  const fd = libc.symbols.socket(2 /* AF_INET */, 1 /* SOCK_STREAM */, 0);
  const addr = new Uint8Array(16); // sockaddr_in: family 2, port 0 (any), 127.0.0.1
  addr[0] = 2; addr[4] = 127; addr[7] = 1;
  const length = new Uint32Array([16]);
  if (fd < 0 || libc.symbols.bind(fd, ptr(addr), 16) !== 0 || libc.symbols.listen(fd, 0) !== 0 || libc.symbols.getsockname(fd, ptr(addr), ptr(length)) !== 0) {
    libc.close();
    return null;
  }
  const port = addr[2]! * 256 + addr[3]!;
  // Fill the accept queue; these connections complete in the kernel and are never accepted.
  const fillers = await Promise.all([0, 1].map(() => new Promise<NetSocket>((done) => {
    const s = connect(port, "127.0.0.1");
    s.on("error", () => {});
    s.once("connect", () => done(s));
    setTimeout(() => done(s), 200); // the second one may already hang, which is the point
  })));
  return {
    port,
    close() {
      for (const s of fillers) s.destroy();
      libc.symbols.close(fd);
      libc.close();
    },
  };
}

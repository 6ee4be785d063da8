/**
 * Who is signed in: a tenant session (from the link's fragment) or an admin token typed in. sessionStorage only.
 * `scopes`: what the token may do (`GET /api/v1/me`), read once after sign-in.
 */
export interface Session { token: string; kind: "session" | "admin"; tenant: string; scopes?: ("read" | "write")[] }

/** Whether to offer changes: a read-only token sees no button the API would refuse. */
export const canWrite = (session: Session) => session.scopes?.includes("write") === true;

const KEY = "hookgate.portal";

export function readSession(): Session | null {
  try {
    const raw = sessionStorage.getItem(KEY);
    return raw ? (JSON.parse(raw) as Session) : null;
  } catch { return null; }
}

export function saveSession(session: Session | null): void {
  if (session) sessionStorage.setItem(KEY, JSON.stringify(session));
  else sessionStorage.removeItem(KEY);
}

const ENDED = "hookgate.portal.ended";

/** How the last sign-in of this tab ended: a reload then shows that page again (a customer never sees the admin sign-in). */
export interface Ended { kind: Session["kind"]; title: string; detail: string; status: number }
export function readEnded(): Ended | null {
  try { const raw = sessionStorage.getItem(ENDED); return raw ? (JSON.parse(raw) as Ended) : null; } catch { return null; }
}
export function saveEnded(ended: Ended | null): void {
  if (ended) sessionStorage.setItem(ENDED, JSON.stringify(ended));
  else sessionStorage.removeItem(ENDED);
}

/** `/portal#token=…`: keep the token, then take it out of the address bar (and so out of history). */
export function takeTokenFromFragment(): Session | null {
  const match = /(?:^#|&)token=([^&]+)/.exec(location.hash);
  if (!match) return null;
  const session: Session = { token: decodeURIComponent(match[1]!), kind: "session", tenant: "" };
  saveSession(session);
  saveEnded(null);
  history.replaceState(null, "", location.pathname + "#/");
  return session;
}

/**
 * Who is signed in: a tenant session (from the link's fragment) or an admin token typed in. sessionStorage only, or
 * this page's memory where the browser denies storage (a frame on another site with third-party storage blocked:
 * the sign-in then lasts as long as the frame, and the vendor's app hands out a new link to open it again).
 * `scopes`: what the token may do (`GET /api/v1/me`), read once after sign-in.
 */
export interface Session { token: string; kind: "session" | "admin"; tenant: string; scopes?: ("read" | "write")[]; locale?: string }

/** Whether to offer changes: a read-only token sees no button the API would refuse. */
export const canWrite = (session: Session) => session.scopes?.includes("write") === true;

const KEY = "hookgate.portal";

/** sessionStorage, or a stand-in in memory when reading the property throws. */
const store: Pick<Storage, "getItem" | "setItem" | "removeItem"> = (() => {
  try { return sessionStorage; } catch {
    const kept = new Map<string, string>();
    return { getItem: (k: string) => kept.get(k) ?? null, setItem: (k: string, v: string) => void kept.set(k, v), removeItem: (k: string) => void kept.delete(k) };
  }
})();

export function readSession(): Session | null {
  try {
    const raw = store.getItem(KEY);
    return raw ? (JSON.parse(raw) as Session) : null;
  } catch { return null; }
}

export function saveSession(session: Session | null): void {
  if (session) store.setItem(KEY, JSON.stringify(session));
  else store.removeItem(KEY);
}

const ENDED = "hookgate.portal.ended";

/** How the last sign-in of this tab ended: a reload then shows that page again (a customer never sees the admin sign-in). */
export interface Ended { kind: Session["kind"]; title: string; detail: string; status: number; locale?: string }
export function readEnded(): Ended | null {
  try { const raw = store.getItem(ENDED); return raw ? (JSON.parse(raw) as Ended) : null; } catch { return null; }
}
export function saveEnded(ended: Ended | null): void {
  if (ended) store.setItem(ENDED, JSON.stringify(ended));
  else store.removeItem(ENDED);
}

/** `/portal#token=…&locale=de`: keep the token (and the session's language), then take it out of the address bar (and so out of history). */
export function takeTokenFromFragment(): Session | null {
  const match = /(?:^#|&)token=([^&]+)/.exec(location.hash);
  if (!match) return null;
  const locale = /&locale=([\w-]+)/.exec(location.hash)?.[1];
  const session: Session = { token: decodeURIComponent(match[1]!), kind: "session", tenant: "", ...(locale && { locale }) };
  saveSession(session);
  saveEnded(null);
  history.replaceState(null, "", location.pathname + "#/");
  return session;
}

import { readSession, saveSession, type Session } from "./session.ts";

/**
 * Tabs of the portal share a sign-in without storing the token anywhere but sessionStorage: a tab opened from a
 * link (Ctrl+click opens it without an opener, so the browser copies no sessionStorage) asks the open tabs on a
 * BroadcastChannel, and one that holds a session answers. "Sign out" in any tab ends them all.
 */
const CHANNEL = "hookgate.portal";
type Message = { ask: true } | { session: Session } | { signedOut: true };

let channel: BroadcastChannel | null = null;
let onSignedOut: () => void = () => {};

function open(): BroadcastChannel | null {
  if (channel || typeof BroadcastChannel === "undefined") return channel;
  channel = new BroadcastChannel(CHANNEL);
  channel.onmessage = (e: MessageEvent<Message>) => {
    if ("ask" in e.data) { const held = readSession(); if (held) channel?.postMessage({ session: held }); }
    else if ("signedOut" in e.data) onSignedOut();
  };
  return channel;
}

/** Answers other tabs' asks from now on, and calls `handler` when another tab signs out. */
export function shareSession(handler: () => void): void { onSignedOut = handler; open(); }

/** The session another open tab holds, or null after a short wait (no other tab, or none signed in). */
export function sessionFromOtherTab(waitMs = 400): Promise<Session | null> {
  const ch = open();
  if (!ch) return Promise.resolve(null);
  return new Promise((resolve) => {
    const ask = new BroadcastChannel(CHANNEL);
    const done = (session: Session | null) => { clearTimeout(timer); ask.close(); resolve(session); };
    const timer = setTimeout(() => done(null), waitMs);
    ask.onmessage = (e: MessageEvent<Message>) => { if ("session" in e.data) { saveSession(e.data.session); done(e.data.session); } };
    ask.postMessage({ ask: true });
  });
}

/** Tells the other tabs this sign-in ended. */
export function broadcastSignOut(): void { open()?.postMessage({ signedOut: true }); }

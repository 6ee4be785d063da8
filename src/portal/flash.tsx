import { useEffect, useState } from "preact/hooks";

/**
 * A message after an action ("Endpoint deleted."), shown on the page the action leads to: set before navigating,
 * it is shown once that page's path is current, and gone after the next route change.
 */
let pending: { text: string; path: string } | null = null;
let listener: (() => void) | null = null;

export function flash(text: string, path: string): void {
  pending = { text, path };
  listener?.();
}

export function FlashMessage({ path }: { path: string }) {
  const [shown, setShown] = useState<string>("");
  useEffect(() => {
    const take = () => { if (pending && pending.path === path) { setShown(pending.text); pending = null; } };
    listener = take;
    take();
    return () => { listener = null; setShown(""); };
  }, [path]);
  return <p role="status" class={shown ? "note note-ok flash" : "visually-hidden"}>{shown}</p>;
}

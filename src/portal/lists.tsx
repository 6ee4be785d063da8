import { useEffect, useState } from "preact/hooks";
import { formatNumber, t } from "./i18n.ts";
import { navigate, query } from "./nav.ts";

/**
 * A list's place in the address (`#/deliveries?status=failed&page=3`): a link, a reload or the back button opens
 * the same filters and page.
 */
export function listPath(path: string, params: Record<string, string>, change: Record<string, string>): string {
  // A new filter starts at page 1; only a page change keeps the page.
  const next = { ...params, ...("page" in change ? {} : { page: "" }), ...change };
  if (next.page === "1") next.page = "";
  return `${path}${query(next)}`;
}

/** "Page 2 of 14 · 271 endpoints" with Previous / Next, which change the page in the address. */
export function NumberedPager({ page, total, limit, noun, go }: { page: number; total: number; limit: number; noun(n: number): string; go(page: number): void }) {
  const pages = Math.max(1, Math.ceil(total / limit));
  return (
    <nav class="pager" aria-label={t("pages")}>
      <button type="button" class="secondary" disabled={page <= 1} onClick={() => go(page - 1)}>{t("previous")}</button>
      <span class="muted" aria-live="polite">{t("pageOf", Math.min(page, pages), pages, formatNumber(total), noun(total))}</span>
      <button type="button" class="secondary" disabled={page >= pages} onClick={() => go(page + 1)}>{t("next")}</button>
    </nav>
  );
}

/** The page number in the address, 1 when missing or not a number. */
export const pageOf = (params: URLSearchParams) => Math.max(1, Number.parseInt(params.get("page") ?? "1", 10) || 1);

/** Text typed into a search box, handed on once typing pauses (one request per search, not per key). */
export function useDebounced(value: string, onSettled: (value: string) => void, ms = 350): void {
  const [first, setFirst] = useState(true);
  useEffect(() => {
    if (first) { setFirst(false); return; }
    const timer = setTimeout(() => onSettled(value), ms);
    return () => clearTimeout(timer);
  }, [value]);
}

export { navigate };

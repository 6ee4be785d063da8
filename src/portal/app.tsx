import { useEffect, useRef, useState } from "preact/hooks";
import { api, ApiError, query, whenUnauthorized, type Me, type Page, type Problem, type Tenant } from "./api.ts";
import { Catalog } from "./pages/catalog.tsx";
import { Deliveries } from "./pages/deliveries.tsx";
import { EndpointPage } from "./pages/endpoint.tsx";
import { EndpointList } from "./pages/endpoints.tsx";
import { NewEndpoint } from "./pages/new-endpoint.tsx";
import { FlashMessage } from "./flash.tsx";
import { canWrite, readEnded, readSession, saveEnded, saveSession, takeTokenFromFragment, type Ended as EndedState, type Session } from "./session.ts";
import { broadcastSignOut, sessionFromOtherTab, shareSession } from "./tabs.ts";
import { formatDate, offered, pickLocale, setLocale, t } from "./i18n.ts";
import { ErrorNote, href, Loading, navigate } from "./ui.tsx";

interface Route { path: string; params: URLSearchParams }
function currentRoute(): Route {
  const [path, search] = location.hash.replace(/^#/, "").split("?");
  return { path: path || "/", params: new URLSearchParams(search ?? "") };
}

/** The Webhooks settings page: sign-in, then endpoints, deliveries and the event catalog (DESIGN section 10). */
export function App() {
  const [session, setSession] = useState<Session | null>(() => takeTokenFromFragment() ?? readSession());
  const [ended, setEnded] = useState<EndedState | null>(() => (session ? null : readEnded()));
  // A tab opened from a link has no sessionStorage of its own yet: it asks the open tabs first.
  const [asking, setAsking] = useState(!session && !ended);
  const [route, setRoute] = useState(currentRoute);
  const [meError, setMeError] = useState<unknown>(null);
  const live = useRef(session);
  live.current = session;

  // The page that says so keeps the session's language.
  const end = (how: EndedState) => { const next = { ...how, locale: live.current?.locale }; saveSession(null); saveEnded(next); setSession(null); setEnded(next); };
  useEffect(() => {
    const onHash = () => setRoute(currentRoute());
    addEventListener("hashchange", onHash);
    whenUnauthorized((problem: Problem) => {
      const kind = live.current?.kind;
      if (kind) end({ kind, title: problem.title, detail: problem.detail, status: problem.status });
    });
    // Signed out in another tab: a customer sees the signed-out page, ops the sign-in form.
    shareSession(() => {
      const current = live.current;
      if (current?.kind === "session") end({ kind: "session", title: "Signed out", detail: "signed out", status: 0 });
      else if (current) { saveSession(null); setSession(null); }
    });
    if (asking) sessionFromOtherTab().then((s) => { if (s) setSession(s); setAsking(false); });
    return () => removeEventListener("hashchange", onHash);
  }, []);
  useHeadingFocus(route.path);

  // What the token may do, once per sign-in: the pages offer a read-only token no change.
  useEffect(() => {
    if (!session || session.scopes) return;
    api<Me>(session, "GET", "/me").then((me) => {
      const next = { ...session, scopes: me.scopes };
      saveSession(next);
      setSession(next);
    }, setMeError);
  }, [session]);

  const signOut = async () => {
    // Revoked on the server first: a copy of the token (another tab, the history of a shared machine) stops working.
    if (session?.kind === "session") await api(session, "POST", "/sessions/revoke", {}).catch(() => {});
    broadcastSignOut();
    if (session?.kind === "session") end({ kind: "session", title: "Signed out", detail: "signed out", status: 0 });
    else { saveSession(null); setSession(null); saveEnded(null); setEnded(null); navigate("/"); }
  };
  const title = document.title;
  // The language: the session's, else the browser's (of those portal.locales offers). Set before anything renders.
  setLocale(pickLocale(session?.locale ?? ended?.locale, navigator.languages ?? [navigator.language], offered()));

  if (asking) return <Shell title={title}><Loading what={t("loadingSignIn")} /></Shell>;
  if (ended) return <Shell title={title}><Ended {...ended} onSignIn={() => { saveEnded(null); setEnded(null); }} /></Shell>;
  if (!session) return <Shell title={title}><SignIn onSignedIn={(s) => { saveSession(s); setSession(s); navigate("/"); }} /></Shell>;

  if (!session.scopes) return <Shell title={title}>{meError ? <section class="card"><ErrorNote error={meError} /></section> : <Loading what={t("loadingAccess")} />}</Shell>;

  const change = (tenant: string) => { const next = { ...session, tenant }; saveSession(next); setSession(next); };
  return (
    <Shell title={title} nav={<Nav session={session} path={route.path} onTenant={change} onSignOut={signOut} />}>
      <FlashMessage path={route.path} />
      <Page session={session} route={route} />
    </Shell>
  );
}

function Page({ session, route }: { session: Session; route: Route }) {
  const key = `${session.tenant}|`;
  const endpoint = /^\/endpoints\/([^/]+)$/.exec(route.path);
  if (endpoint) return <EndpointPage key={key + endpoint[1]} session={session} id={decodeURIComponent(endpoint[1]!)} />;
  if (route.path === "/new") {
    if (!canWrite(session)) return <section class="card"><h1>{t("addEndpoint")}</h1><p>{t("readOnlyAdd")}</p><a href={href("/")}>{t("backToEndpoints")}</a></section>;
    return <NewEndpoint key={key} session={session} />;
  }
  if (route.path === "/deliveries") return <Deliveries key={key} session={session} params={route.params} />;
  if (route.path === "/catalog") return <Catalog session={session} />;
  return <EndpointList key={key} session={session} params={route.params} />;
}

function Shell({ title, nav, children }: { title: string; nav?: preact.ComponentChildren; children: preact.ComponentChildren }) {
  return (
    <>
      <a class="skip" href="#main" onClick={(e) => { e.preventDefault(); document.getElementById("main")?.focus(); }}>{t("skipToContent")}</a>
      <header class="top"><span class="brand">{title}</span>{nav}</header>
      <main id="main" tabIndex={-1}>{children}</main>
    </>
  );
}

function Nav({ session, path, onTenant, onSignOut }: { session: Session; path: string; onTenant(t: string): void; onSignOut(): void }) {
  const links: [string, string][] = [["/", t("navEndpoints")], ["/deliveries", t("navDeliveries")], ["/catalog", t("navEventTypes")]];
  return (
    <nav class="nav" aria-label={t("navLabel")}>
      <ul>{links.map(([to, label]) => <li key={to}><a href={href(to)} aria-current={path === to || (to === "/" && path.startsWith("/endpoints")) ? "page" : undefined}>{label}</a></li>)}</ul>
      {!canWrite(session) && <span class="badge read-only" title={t("readOnlyHint")}>{t("readOnly")}</span>}
      {session.kind === "admin" && <TenantPicker session={session} onTenant={onTenant} />}
      <button type="button" class="secondary" onClick={onSignOut}>{t("signOut")}</button>
    </nav>
  );
}

/** The first 100 tenants by id, or those a search finds (id prefix or name part): 50,000 would not fit a list. */
function TenantPicker({ session, onTenant }: { session: Session; onTenant(t: string): void }) {
  const [search, setSearch] = useState("");
  const [tenants, setTenants] = useState<Tenant[]>([]);
  useEffect(() => {
    // Typing on: an answer to an older search, arriving late, must not replace the newer one's.
    let current = true;
    const find = () => api<Page<Tenant>>(session, "GET", `/tenants${query({ limit: "100", search: search.trim() })}`)
      .then((p) => { if (current) setTenants(p.data); }, () => {});
    const timer = setTimeout(find, search ? 250 : 0);
    return () => { current = false; clearTimeout(timer); };
  }, [search]);
  const picked = session.tenant && !tenants.some((t) => t.id === session.tenant);
  return (
    <span class="picker">
      <label>{t("findTenant")}{" "}
        <input type="search" value={search} placeholder={t("findTenantPlaceholder")} onInput={(e) => setSearch((e.target as HTMLInputElement).value)} />
      </label>
      <label>{t("tenant")}{" "}
        <select value={session.tenant} onChange={(e) => onTenant((e.target as HTMLSelectElement).value)}>
          <option value="">{t("allTenants")}</option>
          {picked && <option value={session.tenant}>{session.tenant}</option>}
          {tenants.map((t) => <option key={t.id} value={t.id}>{t.name ? `${t.name} (${t.id})` : t.id}</option>)}
        </select>
      </label>
    </span>
  );
}

function SignIn({ onSignedIn }: { onSignedIn(s: Session): void }) {
  const [token, setToken] = useState("");
  const [error, setError] = useState<unknown>(null);
  const submit = async (e: Event) => {
    e.preventDefault();
    const session: Session = { token: token.trim(), kind: "admin", tenant: "" };
    try {
      await api(session, "GET", "/tenants?limit=1");
      onSignedIn(session);
    } catch (err) {
      const status = err instanceof ApiError ? err.problem.status : 0;
      setError(status === 403 ? new Error(t("tokenMayNotList"))
        : status === 401 ? new Error(t("tokenRefused")) : err);
    }
  };
  return (
    <section class="card narrow">
      <h1>{t("signIn")}</h1>
      <p>{t("signInIntro")}</p>
      <form onSubmit={submit}>
        <label for="admin-token">{t("adminToken")}</label>
        <input id="admin-token" type="password" autocomplete="off" required value={token} onInput={(e) => setToken((e.target as HTMLInputElement).value)} />
        <button type="submit">{t("signIn")}</button>
      </form>
      <ErrorNote error={error} />
    </section>
  );
}

/** The time in the server's message ("expired at 2026-…Z"), in the reader's zone and words. */
function localTimeIn(detail: string): string | null {
  const iso = /\d{4}-\d\d-\d\dT[\d:.]+Z/.exec(detail)?.[0];
  return iso ? formatDate(new Date(iso), { dateStyle: "long", timeStyle: "short" }) : null;
}

/**
 * A sign-in that ended. A customer is told what happened in their words and to open the Webhooks settings in
 * their app again; they are never shown the admin-token form (it is no use to them).
 */
function Ended({ kind, detail, status, onSignIn }: EndedState & { onSignIn(): void }) {
  if (kind === "admin") {
    return (
      <section class="card narrow" role="alert">
        <h1>{t("adminRefusedHeading")}</h1>
        <p>{t("adminRefusedText")}</p>
        <p class="muted">{t("serverSaid", detail)}</p>
        <button type="button" onClick={onSignIn}>{t("goToSignIn")}</button>
      </section>
    );
  }
  const at = localTimeIn(detail);
  const [heading, what] = status === 0 ? [t("signedOutHeading"), t("signedOutText")]
    : /revoked/i.test(detail) ? [t("revokedHeading"), t("revokedText")]
    : /expired/i.test(detail) ? [t("expiredHeading"), at ? t("expiredAt", at) : t("expiredText")]
    : [t("invalidHeading"), t("invalidText")];
  return (
    <section class="card narrow" role={status === 0 ? "status" : "alert"}>
      <h1 tabIndex={-1}>{heading}</h1>
      <p>{what}</p>
      <p>{t("openAgain")}</p>
    </section>
  );
}

/** Moves focus to the new page's main heading after a route change (as a screen reader user expects), not on first load. */
function useHeadingFocus(path: string): void {
  const first = useRef(true);
  useEffect(() => {
    if (first.current) { first.current = false; return; }
    let tries = 0;
    // The page may still be loading: wait for its heading a moment.
    const timer = setInterval(() => {
      const heading = document.querySelector<HTMLElement>("main h1");
      if (heading || ++tries > 40) {
        clearInterval(timer);
        if (!heading) return;
        if (!heading.hasAttribute("tabindex")) heading.setAttribute("tabindex", "-1");
        heading.focus();
      }
    }, 50);
    return () => clearInterval(timer);
  }, [path]);
}

import { groupByPrefix, useCatalog } from "../parts.tsx";
import type { Session } from "../session.ts";
import { Body, ErrorNote, Loading } from "../ui.tsx";

/** The event types an endpoint can subscribe to, grouped by prefix, each with an example payload and its JSON Schema. */
export function Catalog({ session }: { session: Session }) {
  const catalog = useCatalog(session);
  const types = catalog.data?.data.filter((t) => t.forTenants || session.kind === "admin") ?? [];
  return (
    <section class="card">
      <h1>Event types</h1>
      <ErrorNote error={catalog.error} what="The event types could not be loaded" />
      {catalog.loading && !catalog.data ? <Loading what="event types" /> : catalog.data && (types.length === 0
        ? <p>No event types yet.</p>
        : groupByPrefix(types).map(([prefix, group]) => (
          <section key={prefix} class="type-section" aria-labelledby={`group-${prefix}`}>
            <h2 id={`group-${prefix}`}>{prefix}</h2>
            <ul class="catalog">
              {group.map((t) => (
                <li key={t.type}>
                  <h3><code>{t.type}</code></h3>
                  <p>{t.description || <span class="muted">No description.</span>}{!t.inCatalog && <span class="muted"> (seen in events, not in the catalog)</span>}
                    {!t.forTenants && <span class="muted"> (about the gateway itself: customers are not offered it)</span>}</p>
                  {t.example !== null && t.example !== undefined && (
                    <details><summary>Example payload of <code>{t.type}</code></summary><Body text={JSON.stringify(t.example)} label={`Example payload of ${t.type}`} /></details>
                  )}
                  {t.schema
                    ? <details><summary>JSON Schema of <code>{t.type}</code></summary><Body text={JSON.stringify(t.schema)} label={`JSON Schema of ${t.type}`} /></details>
                    : <p class="muted small">Any JSON data.</p>}
                </li>
              ))}
            </ul>
          </section>
        )))}
    </section>
  );
}

import { groupByPrefix, useCatalog } from "../parts.tsx";
import type { Session } from "../session.ts";
import { t } from "../i18n.ts";
import { Body, ErrorNote, Loading } from "../ui.tsx";

/** The event types an endpoint can subscribe to, grouped by prefix, each with an example payload and its JSON Schema. */
export function Catalog({ session }: { session: Session }) {
  const catalog = useCatalog(session);
  const types = catalog.data?.data.filter((e) => e.forTenants || session.kind === "admin") ?? [];
  return (
    <section class="card">
      <h1>{t("eventTypesHeading")}</h1>
      <ErrorNote error={catalog.error} what={t("eventTypesNotLoaded")} />
      {catalog.loading && !catalog.data ? <Loading what={t("eventTypesLoading")} /> : catalog.data && (types.length === 0
        ? <p>{t("noEventTypes")}</p>
        : groupByPrefix(types).map(([prefix, group]) => (
          <section key={prefix} class="type-section" aria-labelledby={`group-${prefix}`}>
            <h2 id={`group-${prefix}`}>{prefix}</h2>
            <ul class="catalog">
              {group.map((e) => (
                <li key={e.type}>
                  <h3><code>{e.type}</code></h3>
                  <p>{e.description || <span class="muted">{t("noDescription")}</span>}{!e.inCatalog && <span class="muted">{t("seenNotInCatalog")}</span>}
                    {!e.forTenants && <span class="muted">{t("aboutGateway")}</span>}</p>
                  {e.example !== null && e.example !== undefined && (
                    <details><summary>{t("examplePayloadOf")} <code>{e.type}</code></summary><Body text={JSON.stringify(e.example)} label={`${t("examplePayloadOf")} ${e.type}`} /></details>
                  )}
                  {e.schema
                    ? <details><summary>{t("jsonSchemaOf")} <code>{e.type}</code></summary><Body text={JSON.stringify(e.schema)} label={`${t("jsonSchemaOf")} ${e.type}`} /></details>
                    : <p class="muted small">{t("anyJson")}</p>}
                </li>
              ))}
            </ul>
          </section>
        )))}
    </section>
  );
}

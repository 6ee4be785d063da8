import type { Migration, MigrationProvider } from "kysely/migration";
import * as initial from "./001-initial.ts";
import * as meta from "./002-meta.ts";
import * as deliveryHealth from "./003-delivery-health.ts";
import * as tenants from "./004-tenants.ts";
import * as endpointStats from "./005-endpoint-stats.ts";
import * as cluster from "./006-cluster.ts";
import * as changes from "./007-changes.ts";
import * as sourceHolder from "./008-source-holder.ts";
import * as cascade from "./009-cascade.ts";
import * as filters from "./010-filters.ts";
import * as signingKeys from "./011-signing-keys.ts";
import * as ordering from "./012-ordering.ts";
import * as orderingKeys from "./013-ordering-keys.ts";
import * as keyedDedupe from "./014-keyed-dedupe.ts";

/** Migrations are imported statically so the compiled binary carries them. */
export const migrations: Record<string, Migration> = {
  "001-initial": initial,
  "002-meta": meta,
  "003-delivery-health": deliveryHealth,
  "004-tenants": tenants,
  "005-endpoint-stats": endpointStats,
  "006-cluster": cluster,
  "007-changes": changes,
  "008-source-holder": sourceHolder,
  "009-cascade": cascade,
  "010-filters": filters,
  "011-signing-keys": signingKeys,
  "012-ordering": ordering,
  "013-ordering-keys": orderingKeys,
  "014-keyed-dedupe": keyedDedupe,
};

/** The last migration this binary knows: a store with a later one was migrated by a newer hookgate. */
export const LATEST_MIGRATION = Object.keys(migrations).at(-1)!;

export const migrationProvider: MigrationProvider = {
  getMigrations: async () => migrations,
};

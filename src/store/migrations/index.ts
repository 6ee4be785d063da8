import type { Migration, MigrationProvider } from "kysely/migration";
import * as initial from "./001-initial.ts";

/** Migrations are imported statically so the compiled binary carries them. */
export const migrations: Record<string, Migration> = {
  "001-initial": initial,
};

export const migrationProvider: MigrationProvider = {
  getMigrations: async () => migrations,
};

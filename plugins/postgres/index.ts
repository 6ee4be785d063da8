import { definePlugin } from "../../src/plugin-api/index.ts";
import { PostgresOptions } from "./options.ts";
import { createNotify } from "./notify.ts";
import { createOutbox } from "./outbox.ts";

/**
 * `postgres`: LISTEN on `channel`. With `table` the app's rows are an outbox that hookgate empties
 * (nothing is lost while hookgate is down); without it each notification is an event (lossy).
 */
export default definePlugin({
  type: "postgres",
  options: PostgresOptions,
  // Table mode takes rows FOR UPDATE SKIP LOCKED, so every process may empty the outbox; a notification reaches
  // every listening process, so notify mode listens on one.
  runOnce: (options) => !options.table,
  create(options, ctx) {
    return options.table ? createOutbox({ ...options, table: options.table }, ctx) : createNotify(options, ctx);
  },
});

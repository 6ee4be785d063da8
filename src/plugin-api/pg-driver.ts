import type Pg from "pg";

let driver: typeof Pg | undefined;

/**
 * The pg driver, evaluated on first use: a gateway on SQLite with no Postgres source never pays for it (its
 * modules take 15–20 ms of a compiled binary's start here). A `require` in a function is what keeps the bundler
 * from evaluating it at start, as an import would. bigint columns hold unix milliseconds, well inside a JS
 * number: every pg connection of the process reads them as numbers.
 */
export function pgDriver(): typeof Pg {
  if (!driver) {
    driver = require("pg") as typeof Pg;
    driver.types.setTypeParser(20, (v) => Number(v));
  }
  return driver;
}

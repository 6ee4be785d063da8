import { sql, type Expression, type ExpressionBuilder, type SqlBool } from "kysely";
import type { DB } from "./schema.ts";

/**
 * core/delivery/breaker.ts `breakerHolds` in SQL, on the failure streak the endpoint row keeps (every process's attempts, so
 * one answer for all processes sharing a Postgres store): whether the endpoint's circuit breaker holds its
 * deliveries (`held: true`) or not (`held: false`). `threshold` is `delivery.circuitBreakerAfter` (0: never held).
 */
export function breakerHoldsSql(threshold: number, held: boolean) {
  return (eb: ExpressionBuilder<DB, "endpoints">): Expression<SqlBool> => {
    if (threshold <= 0) return sql<SqlBool>`${sql.lit(held ? 0 : 1)} = 1`;
    return eb("endpoints.consecutive_failures", held ? ">=" : "<", threshold);
  };
}

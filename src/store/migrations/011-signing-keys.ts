import type { Kysely } from "kysely";

/**
 * Issue 28: Ed25519 signing (DESIGN §15). The private key rests sealed in `secret` like an HMAC secret; its public
 * key (`whpk_...`) is kept beside it so reads show it without opening the private key, and the previous one's
 * while a rotation's grace runs. Existing endpoints sign with HMAC and have none.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable("endpoints").addColumn("public_key", "text").execute();
  await db.schema.alterTable("endpoints").addColumn("previous_public_key", "text").execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable("endpoints").dropColumn("previous_public_key").execute();
  await db.schema.alterTable("endpoints").dropColumn("public_key").execute();
}

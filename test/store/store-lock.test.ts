import { expect, test } from "bun:test";
import { mkdtempSync, readFileSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { lockStore, StoreInUseError } from "../../src/store/store-lock.ts";

// Two processes on one store, and kill -9 of the holder, are proven on the compiled binary (test/e2e/binary-store.test.ts).
test("a store's lock is held once: the second taker learns the holder's pid, and can take it once it is released", async () => {
  const file = join(mkdtempSync(join(tmpdir(), "hookgate-lock-")), "data", "hookgate.db");
  const first = await lockStore(file);
  expect(first.warning).toBeNull();
  expect(readFileSync(`${file}.lock`, "utf8")).toBe(`${process.pid}\n`);
  expect(statSync(`${file}.lock`).mode & 0o777).toBe(0o600);
  const refused = await lockStore(file).then(() => null, (e: unknown) => e);
  expect(refused).toBeInstanceOf(StoreInUseError);
  expect((refused as StoreInUseError).pid).toBe(process.pid);
  expect((refused as Error).message).toStartWith(`the store ${file} is in use by another hookgate process (pid ${process.pid}; lock ${file}.lock)`);
  first.release();
  const second = await lockStore(file);
  second.release();
});

import { hostname } from "node:os";
import { newId } from "../core/ids.ts";

/** A running gateway as the store and the logs name it. */
export interface Self {
  /** Random, made at start: names this process in the store (its heartbeat row, the run-once sources it holds) and in the logs. */
  id: string;
  host: string;
  pid: number;
  startedAt: number;
}

/** A new process id: one per gateway started (tests start several in one OS process). */
export function newSelf(): Self {
  return { id: newId("proc"), host: hostname(), pid: process.pid, startedAt: Date.now() };
}

/** Where a process runs, the way an operator finds it (GET /sources `runningOn`): `<hostname>:<pid>`. */
export const placeOf = (p: { host: string; pid: number }): string => `${p.host}:${p.pid}`;

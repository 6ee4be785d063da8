import type { Config } from "../config/schema.ts";
import type { Sender } from "../core/delivery/attempt.ts";
import { tenantPolicy } from "../core/endpoints/tenant-limits.ts";
import { checkedFetch, type CheckedFetch } from "../outbound/checked-fetch.ts";
import { send, type Resolver, type SenderOptions } from "../outbound/send.ts";

/** What tests stand in for: the resolver (DNS) and an extra trusted CA. They never change on a reload. */
export interface SenderFixtures { resolve?: Resolver; ca?: string }

function policiesOf(config: Config, fixtures: SenderFixtures): { global: SenderOptions; tenant: SenderOptions } {
  const { delivery } = config;
  const global: SenderOptions = {
    requireHttps: delivery.requireHttps, allowNetworks: delivery.allowNetworks, connectTimeoutMs: delivery.connectTimeoutMs,
    proxy: delivery.proxy, resolve: fixtures.resolve, ca: fixtures.ca,
  };
  // Tenant endpoints the API wrote reach only tenants.allowNetworks; global and config ones delivery.allowNetworks.
  return { global, tenant: tenantPolicy(global, config.tenants) };
}

/**
 * The one checked sender, with the address policy built from the config: deliveries, verification pings and the
 * sources' fetch go through it. A reload builds the next policies and swaps them in; attempts in flight keep theirs.
 */
export class DeliverySender {
  private policies: { global: SenderOptions; tenant: SenderOptions };

  constructor(config: Config, private readonly fixtures: SenderFixtures) {
    this.policies = policiesOf(config, fixtures);
  }

  reload(next: Config): void {
    this.policies = policiesOf(next, this.fixtures);
  }

  readonly send: Sender = (request, endpoint) => send(request, endpoint.tenantLimited ? this.policies.tenant : this.policies.global);

  /** The sources' `ctx.fetch`: the global endpoints' policy, as it is at each request. */
  fetch(defaults: { timeoutMs: number; maxBytes: number }): CheckedFetch {
    return (url, init) => checkedFetch(this.policies.global, defaults)(url, init);
  }
}

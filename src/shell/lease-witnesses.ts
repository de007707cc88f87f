// Lease witnesses from the configuration: one signed DNS client and one RFC 2136 lease transport
// per configured witness, named for status and errors.

import type { WitnessTsigKeys } from "../config/lease-keys.ts";
import type { Config } from "../config/schema.ts";
import { parseEndpoint } from "../config/schema.ts";
import type { Clock } from "../core/clock.ts";
import { DnsServerClient } from "../dns/rfc2136-client.ts";
import { Rfc2136LeaseTransport } from "../dns/rfc2136-lease-transport.ts";

export interface LeaseWitness {
  readonly name: string;
  readonly address: string;
  readonly zone: string;
  readonly client: DnsServerClient;
  readonly transport: Rfc2136LeaseTransport;
  /** One client per listed key, without fallback: `lease check` verifies each key on its own. */
  readonly perKey: readonly {
    readonly id: string;
    readonly keyName: string;
    readonly signs: boolean;
    readonly client: DnsServerClient;
  }[];
}

export function buildLeaseWitnesses(
  config: Config,
  keys: readonly WitnessTsigKeys[],
  clock: Clock,
): LeaseWitness[] {
  return (config.lease?.witnesses ?? []).map((w, i) => {
    const server = parseEndpoint(w.address, 53)!;
    const name = w.name ?? w.address;
    const k = keys[i]!;
    // Sign with the designated key; the other listed keys only answer a BADKEY (rotation).
    const client = new DnsServerClient({ name, server, key: k, fallbackKeys: k.all.slice(1), clock });
    return {
      name,
      address: `${server.host}:${server.port}`,
      zone: w.zone,
      client,
      perKey: k.all.map((key, j) => ({
        id: key.id,
        keyName: key.name,
        signs: j === 0,
        client: new DnsServerClient({ name, server, key, clock }),
      })),
      transport: new Rfc2136LeaseTransport(client, w.zone),
    };
  });
}

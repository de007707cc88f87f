// Lease witnesses from the configuration: one signed DNS client and one RFC 2136 lease transport
// per configured witness, named for status and errors.

import type { Config } from "../config/schema.ts";
import { parseEndpoint } from "../config/schema.ts";
import type { Clock } from "../core/clock.ts";
import { DnsServerClient } from "../dns/rfc2136-client.ts";
import { Rfc2136LeaseTransport } from "../dns/rfc2136-lease-transport.ts";
import type { TsigKey } from "../dns/tsig.ts";

export interface LeaseWitness {
  readonly name: string;
  readonly address: string;
  readonly zone: string;
  readonly client: DnsServerClient;
  readonly transport: Rfc2136LeaseTransport;
}

export function buildLeaseWitnesses(config: Config, keys: readonly TsigKey[], clock: Clock): LeaseWitness[] {
  return (config.lease?.witnesses ?? []).map((w, i) => {
    const server = parseEndpoint(w.address, 53)!;
    const name = w.name ?? w.address;
    const client = new DnsServerClient({ name, server, key: keys[i]!, clock });
    return {
      name,
      address: `${server.host}:${server.port}`,
      zone: w.zone,
      client,
      transport: new Rfc2136LeaseTransport(client, w.zone),
    };
  });
}

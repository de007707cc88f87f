// The shared lease-transport contract, run against the RFC 2136 transport on each real server.
import { afterAll, beforeAll } from "vitest";
import { leaseTransportContract } from "../contract/lease-transport-contract.ts";
import { startTrio, transportFor, type WitnessTrio } from "../support/witness-servers.ts";

let trio: WitnessTrio | undefined;
// File-level hooks run before the contract's own beforeAll.
beforeAll(async () => {
  trio = await startTrio();
});
afterAll(async () => {
  await trio?.stop();
});

for (const [i, label] of ["BIND 9 (bind-1)", "BIND 9 (bind-2)", "Knot (knot-1)"].entries()) {
  leaseTransportContract(`RFC 2136 on ${label}`, async () => {
    const w = trio!.witnesses[i]!;
    return { connect: () => transportFor(w) };
  });
}

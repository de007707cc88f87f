import { performance } from "node:perf_hooks";
import { checkLeaseWitness } from "../../dns/lease-witness-check.ts";
import { defineCommand } from "../command.ts";
import { table } from "../table.ts";
import { leaseOptions, leaseOptionsHelp, loadLeaseContext } from "./lease-common.ts";

export const leaseCheck = defineCommand({
  path: ["lease", "check"],
  summary: "verify each lease witness accepts the key and allows lease updates, changing nothing",
  usage: "--config FILE [-o json] [--timeout MS]",
  help: `For every lease witness: a signed SOA query (the key verifies, the server is authoritative
for the zone), then a probe UPDATE shaped like a lease compare-and-swap on a name that cannot exist,
whose prerequisite ("RRset exists, value dependent", RFC 2136 §2.4.2) is designed to fail. NXRRSET
proves key and permission; NOTAUTH/REFUSED/BADSIG/BADKEY name what is wrong. The prerequisite fails,
so nothing is written; the zone serial is checked to be unchanged. A witness with several keys
(keys [...], a rotation) is checked once per key, so a new key can be proved on every witness
before signWith names it. See docs/lease-witnesses.md and runbooks/rotate-tsig-key.md.

Options:
${leaseOptionsHelp}

Exits 0 when every witness passes, 1 when any fails, 2 for bad usage or configuration.`,
  options: leaseOptions,
  async run({ values }, io) {
    const ctx = await loadLeaseContext(values);
    const results = await Promise.all(
      ctx.witnesses.flatMap((w) =>
        w.perKey.map(async (k) => ({
          witness: w,
          key: k,
          result: await checkLeaseWitness(k.client, w.zone, ctx.timeoutMs, () => performance.now()),
        })),
      ),
    );
    const keyText = (k: (typeof results)[number]["key"]) =>
      `${k.keyName}${k.id ? ` (${k.id}${k.signs ? ", signs" : ""})` : ""}`;
    if (values.output === "json") {
      io.out(
        `${JSON.stringify(
          {
            witnesses: results.map(({ witness: w, key: k, result: r }) => ({
              name: w.name,
              address: w.address,
              zone: w.zone,
              key: { name: k.keyName, ...(k.id ? { id: k.id } : {}), signs: k.signs },
              result: r.kind,
              ...(r.kind === "pass" ? { detail: r.detail } : { reason: r.reason }),
              latencyMs: Math.round(r.latencyMs * 10) / 10,
            })),
          },
          null,
          2,
        )}\n`,
      );
    } else {
      const rows = [["WITNESS", "ADDRESS", "ZONE", "KEY", "RESULT", "DETAIL"]];
      for (const { witness: w, key: k, result: r } of results)
        rows.push([
          w.name,
          w.address,
          w.zone,
          keyText(k),
          r.kind.toUpperCase(),
          r.kind === "pass" ? r.detail : r.reason,
        ]);
      io.out(table(rows));
    }
    return results.every(({ result }) => result.kind === "pass") ? 0 : 1;
  },
});

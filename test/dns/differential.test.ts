// Differential conformance: the same zone served by NSD and by splitguard, a corpus of 2,000+
// queries sent to both; every response must agree except the differences justified in docs/dns.md.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseConfigText } from "../../src/config/load.ts";
import { Responder } from "../../src/dns/responder.ts";
import { type RunningServer, startDnsServer } from "../../src/dns/server.ts";
import { compileZone } from "../../src/dns/zone-compiler.ts";
import { buildZoneModel, standaloneView, type ZoneModel } from "../../src/dns/zone-model.ts";
import { freePort, tcpExchange, udpExchange } from "../support/dns-client.ts";
import { normalise } from "./support/compare.ts";
import { buildCorpus, type CorpusQuery } from "./support/corpus.ts";
import { CONFIG } from "./support/fixture.ts";
import { knownDifference } from "./support/known-differences.ts";
import { type RunningNsd, startNsd } from "./support/nsd.ts";

let model: ZoneModel;
let nsd: RunningNsd;
let ours: RunningServer;
let corpus: CorpusQuery[];

beforeAll(async () => {
  const config = parseConfigText(CONFIG, "differential.yaml");
  model = buildZoneModel(config, standaloneView(config), 2026112101);
  nsd = await startNsd(model, "127.0.0.1", await freePort("127.0.0.1"));
  const responder = new Responder(compileZone(model), { incarnation: 3, key: Buffer.alloc(32, 7) });
  ours = await startDnsServer(responder, "127.0.0.1", await freePort("127.0.0.1"));
  corpus = buildCorpus(
    config.zone,
    "eu",
    ["us", "ap"],
    config.hosts.map((h) => h.name),
    ["db", "web"],
  );
});

afterAll(async () => {
  await ours?.close();
  await nsd?.stop();
});

async function ask(host: string, port: number, q: CorpusQuery): Promise<Buffer | undefined> {
  if (q.transport === "udp") return udpExchange(host, port, q.bytes, 1500);
  return (await tcpExchange(host, port, [q.bytes], 1500))[0];
}

describe("differential conformance against NSD", () => {
  it("agrees on 2,000+ queries except the documented differences", async () => {
    expect(corpus.length).toBeGreaterThanOrEqual(2000);
    const mismatches: string[] = [];
    const justified = new Map<string, number>();
    let compared = 0;
    const seen = new Map<string, number>();
    const tally = (n: ReturnType<typeof normalise>) => {
      const k = n.tc
        ? "TC"
        : n.rcode === 0 && !n.aa && n.authority.some((r) => r.includes(" NS "))
          ? "referral"
          : n.rcode === 0 && n.answer.length === 0
            ? "NODATA"
            : `rcode${n.rcode}`;
      seen.set(k, (seen.get(k) ?? 0) + 1);
    };
    for (const q of corpus) {
      const [a, b] = await Promise.all([ask(ours.host, ours.port, q), ask(nsd.host, nsd.port, q)]);
      if (!a || !b) {
        if (!a && !b) {
          compared++;
          continue;
        }
        const why = knownDifference(
          q,
          a ? normalise(a, model.selfHb.apex) : undefined,
          b ? normalise(b, model.selfHb.apex) : undefined,
        );
        if (why) justified.set(why, (justified.get(why) ?? 0) + 1);
        else mismatches.push(`${q.desc}: ${a ? "ours answered, NSD did not" : "NSD answered, ours did not"}`);
        continue;
      }
      const na = normalise(a, model.selfHb.apex);
      const nb = normalise(b, model.selfHb.apex);
      compared++;
      tally(na);
      if (JSON.stringify(na) === JSON.stringify(nb)) continue;
      const why = knownDifference(q, na, nb);
      if (why) {
        justified.set(why, (justified.get(why) ?? 0) + 1);
        continue;
      }
      mismatches.push(`${q.desc}\n  ours: ${JSON.stringify(na)}\n  nsd:  ${JSON.stringify(nb)}`);
    }
    console.log(
      `differential: ${corpus.length} queries, ${compared} compared, ${mismatches.length} unexplained, justified: ${JSON.stringify(Object.fromEntries(justified))}; kinds: ${JSON.stringify(Object.fromEntries(seen))}`,
    );
    if (mismatches.length > 0) console.log(mismatches.join("\n"));
    expect(mismatches.slice(0, 15)).toEqual([]);
    // The corpus must reach every kind of answer, or agreement means little.
    for (const k of ["rcode0", "NODATA", "rcode3", "rcode5", "referral", "TC", "rcode1", "rcode4", "rcode16"])
      expect(seen.get(k) ?? 0, k).toBeGreaterThan(0);
  });
});

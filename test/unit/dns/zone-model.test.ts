import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { parseConfigText } from "../../../src/config/load.ts";
import { ipBytes } from "../../../src/dns/wire-writer.ts";
import { buildZoneModel, standaloneView } from "../../../src/dns/zone-model.ts";
import { CONFIG } from "../../dns/support/fixture.ts";

const config = parseConfigText(CONFIG, "fixture.yaml");

describe("zone model (standalone)", () => {
  const view = standaloneView(config);
  const host = (n: string) => view.hosts.find((h) => h.name === n)!;

  it("answers failover hosts with the primary region's targets and opens only the primary's gate", () => {
    expect(host("db").answer).toEqual(["10.0.1.10"]);
    expect(host("db").localTargets).toEqual(["10.0.1.10"]); // eu is db's primary and this region
    expect(host("web").answer).toEqual(["10.0.2.20", "2001:db8::20"]); // web's primary is us
    expect(host("web").localTargets).toEqual([]); // our gate is closed for web
    expect(view.services.map((s) => [s.name, s.role, s.gateOpen])).toEqual([
      ["db", "primary", true],
      ["web", "standby", false],
    ]);
  });

  it("answers roundRobin hosts with every region's targets in priority order", () => {
    expect(host("app").answer).toEqual(["10.0.1.1", "10.0.1.2", "10.0.2.1", "2001:db8::1"]);
    expect(host("empty").answer).toEqual([]);
  });

  it("serves an identical apex from every region and delegates every heartbeat subzone", () => {
    const m = buildZoneModel(config, view, 42);
    const other = buildZoneModel(
      { ...config, region: "us" },
      standaloneView({ ...config, region: "us" }),
      42,
    );
    const apex = (mm: typeof m) => JSON.stringify(mm.records.get("gslb.example.com"));
    expect(apex(m)).toBe(apex(other));
    expect([...m.cuts.keys()]).toEqual([
      "eu.hb.gslb.example.com",
      "us.hb.gslb.example.com",
      "ap.hb.gslb.example.com",
    ]);
    expect(m.selfHb.apex).toBe("eu.hb.gslb.example.com");
    expect(m.records.get("ns-ap.gslb.example.com")?.map((r) => r.data)).toEqual([
      { type: "A", address: "127.0.0.13" },
      { type: "A", address: "127.0.0.14" },
    ]);
  });
});

describe("ipBytes", () => {
  it("encodes IPv6 like the platform does, for any address", () => {
    fc.assert(
      fc.property(fc.ipV6(), (a) => {
        const bytes = ipBytes(a);
        expect(bytes.length).toBe(16);
        // Round trip through the URL parser's canonical form.
        const canon = new URL(`http://[${a}]/`).hostname.slice(1, -1);
        const back = Array.from({ length: 8 }, (_, i) => bytes.readUInt16BE(i * 2).toString(16)).join(":");
        expect(new URL(`http://[${back}]/`).hostname.slice(1, -1)).toBe(canon);
      }),
      { numRuns: 2000 },
    );
    expect(ipBytes("10.1.2.3")).toEqual(Buffer.from([10, 1, 2, 3]));
  });
});

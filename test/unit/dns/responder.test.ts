import * as dnsPacket from "dns-packet";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { parseConfigText } from "../../../src/config/load.ts";
import { Responder } from "../../../src/dns/responder.ts";
import { compileZone } from "../../../src/dns/zone-compiler.ts";
import { buildZoneModel, standaloneView } from "../../../src/dns/zone-model.ts";
import { CONFIG } from "../../dns/support/fixture.ts";
import { buildQuery } from "../../support/dns-client.ts";

const config = parseConfigText(CONFIG, "fixture.yaml");
const responder = new Responder(compileZone(buildZoneModel(config, standaloneView(config), 7)), {
  incarnation: 1,
  key: Buffer.alloc(32, 1),
});

describe("responder (pure)", () => {
  it("never throws and only emits well-formed messages within the UDP limit", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 600 }), fc.boolean(), (bytes, udp) => {
        const out = responder.handle(Buffer.from(bytes), udp ? "udp" : "tcp");
        if (out) {
          dnsPacket.decode(out);
          if (udp) expect(out.length).toBeLessThanOrEqual(1232);
        }
      }),
      { numRuns: 5000 },
    );
  });

  it("answers any generated name inside the zone with a decodable answer echoing the question", () => {
    const label = fc.stringMatching(/^[a-zA-Z0-9-]{1,20}$/);
    fc.assert(
      fc.property(
        fc.array(label, { maxLength: 4 }),
        fc.constantFrom(1, 2, 6, 16, 28, 43, 255, 99),
        (labels, type) => {
          const name = [...labels, "gslb", "example", "com"].join(".");
          const q = buildQuery({ id: 99, name, type, edns: { udpSize: 4096 } });
          const out = responder.handle(q, "tcp")!;
          const p = dnsPacket.decode(out);
          expect(p.id).toBe(99);
          expect(p.questions?.[0]?.name).toBe(name);
          expect(out.subarray(12, 12 + q.length - 12 - 11)).toEqual(q.subarray(12, q.length - 11));
        },
      ),
      { numRuns: 2000 },
    );
  });

  it("swaps zones atomically and moves the serial", () => {
    const r = new Responder(compileZone(buildZoneModel(config, standaloneView(config), 1)), {
      incarnation: 2,
      key: Buffer.alloc(32),
    });
    const soa = () => {
      const p = dnsPacket.decode(r.handle(buildQuery({ name: "gslb.example.com", type: 6 }), "udp")!);
      const soa = p.answers?.[0] as { data?: dnsPacket.SoaData } | undefined;
      return soa?.data?.serial;
    };
    expect(soa()).toBe(1);
    r.swap(compileZone(buildZoneModel(config, standaloneView(config), 2)));
    expect(soa()).toBe(2);
  });
});

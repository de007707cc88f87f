import { describe, expect, it } from "vitest";
import { parseConfigText } from "../../../src/config/load.ts";
import { probePlan } from "../../../src/config/probe-plan.ts";

const CONFIG = `zone: gslb.example.com
region: eu
heartbeatKeyFile: ./hb.key
regions:
  - { name: eu, nameservers: [192.0.2.1] }
  - { name: us, nameservers: [192.0.2.2, "2001:db8::2"] }
hosts:
  - { name: db, strategy: failover, primary: eu, targets: { eu: [10.0.0.1] } }
  - { name: web, strategy: roundRobin, targets: { eu: [10.0.0.2] } }
`;

describe("probe plan", () => {
  it("defaults to the three public resolvers on port 53", () => {
    const plan = probePlan(parseConfigText(CONFIG, "t"), Buffer.alloc(32));
    expect(plan.witnesses).toEqual([
      { name: "8.8.8.8", endpoint: { host: "8.8.8.8", port: 53 } },
      { name: "1.1.1.1", endpoint: { host: "1.1.1.1", port: 53 } },
      { name: "9.9.9.9", endpoint: { host: "9.9.9.9", port: 53 } },
    ]);
    // Every NS address of every other region; per-service records only for failover hosts.
    expect(plan.peers).toEqual([
      {
        name: "us",
        nameservers: [
          { host: "192.0.2.2", port: 53 },
          { host: "2001:db8::2", port: 53 },
        ],
      },
    ]);
    expect(plan.services).toEqual(["db"]);
  });

  it("accepts host and host:port witnesses, IPv6 in brackets", () => {
    const c = parseConfigText(`${CONFIG}witnesses: ["127.0.0.21", "127.0.0.22:5353", "[::1]:5300"]\n`, "t");
    expect(probePlan(c, Buffer.alloc(32)).witnesses.map((w) => w.endpoint)).toEqual([
      { host: "127.0.0.21", port: 53 },
      { host: "127.0.0.22", port: 5353 },
      { host: "::1", port: 5300 },
    ]);
  });
});

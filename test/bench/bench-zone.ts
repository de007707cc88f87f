import { stringify } from "yaml";

export const BENCH_ZONE = "gslb.example.com";
const ZONE = BENCH_ZONE;

/** A zone of `hosts` hosts, half roundRobin, half failover (primary `primary`). */
export function benchConfig(hosts: number, primary = "eu"): string {
  const ip = (i: number, r: number) => `10.${r}.${(i >> 8) & 0xff}.${i & 0xff}`;
  return stringify({
    zone: ZONE,
    region: "eu",
    heartbeatKeyFile: "./hb.key",
    // Off, as NSD's rrl-ratelimit: 0 in the same benchmark: we measure answering, not limiting.
    rateLimit: { enabled: false },
    regions: [
      { name: "eu", nameservers: ["127.0.0.11"] },
      { name: "us", nameservers: ["127.0.0.12"] },
    ],
    hosts: Array.from({ length: hosts }, (_, i) =>
      i % 2 === 0
        ? { name: `h${i}`, strategy: "roundRobin", targets: { eu: [ip(i, 1), ip(i, 2)], us: [ip(i, 3)] } }
        : {
            name: `h${i}`,
            strategy: "failover",
            primary,
            targets: { eu: [ip(i, 4)], us: [ip(i, 5), `2001:db8::${(i % 65535).toString(16)}`] },
          },
    ),
  });
}

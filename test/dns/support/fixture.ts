// The zone the DNS tiers serve: three regions, every strategy, empty names, answers that need TC.
const many = (prefix: string, n: number) => Array.from({ length: n }, (_, i) => `${prefix}${i + 1}`);

export const CONFIG = `
zone: gslb.example.com
region: eu
heartbeatKeyFile: ./hb.key
rateLimit: { enabled: false } # loopback tests send thousands of queries from one address
regions:
  - name: eu
    nameservers: [127.0.0.11, "fd00::11"]
  - name: us
    nameservers: [127.0.0.12]
  - name: ap
    nameservers: [127.0.0.13, 127.0.0.14]
hosts:
  - name: app
    strategy: roundRobin
    targets: { eu: [10.0.1.1, 10.0.1.2], us: [10.0.2.1, "2001:db8::1"] }
  - name: db
    strategy: failover
    primary: eu
    targets: { eu: [10.0.1.10], us: [10.0.2.10] }
  - name: web
    strategy: failover
    primary: us
    targets: { eu: [10.0.1.20], us: [10.0.2.20, "2001:db8::20"] }
  - name: empty
    strategy: roundRobin
    targets: {}
  - name: big
    strategy: roundRobin
    targets: { eu: [${many("10.1.0.", 40).join(", ")}] }
  - name: huge
    strategy: roundRobin
    targets: { us: [${many("2001:db8:1::", 60)
      .map((a) => `"${a}"`)
      .join(", ")}] }
`;

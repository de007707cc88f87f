// The differential corpus: queries sent to both NSD and splitguard. Deterministic (seeded).
import { buildQuery } from "../../support/dns-client.ts";

export interface CorpusQuery {
  readonly desc: string;
  readonly bytes: Buffer;
  readonly transport: "udp" | "tcp";
}

function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const TYPES = [1, 28, 2, 6, 16, 5, 15, 33, 43, 48, 46, 255, 99, 65280, 12, 257];
const EDNS_VARIANTS: ({ udpSize: number; version?: number; doBit?: boolean } | undefined)[] = [
  undefined,
  { udpSize: 1232 },
  { udpSize: 512 },
  { udpSize: 4096, doBit: true },
  { udpSize: 100 },
  { udpSize: 1400 },
  { udpSize: 65535 },
];

export function randomCase(name: string, r: () => number): string {
  return [...name].map((c) => (r() < 0.5 ? c.toUpperCase() : c)).join("");
}

export function buildCorpus(
  zone: string,
  self: string,
  peers: string[],
  hosts: string[],
  services: string[],
  seed = 7,
) {
  const r = rng(seed);
  const pick = <T>(xs: readonly T[]) => xs[Math.floor(r() * xs.length)]!;
  const label = () => {
    const n = 1 + Math.floor(r() * 12);
    let s = "";
    for (let i = 0; i < n; i++) s += "abcdefghijklmnopqrstuvwxyz0123456789-"[Math.floor(r() * 36)];
    return s;
  };
  const known = [
    zone,
    `hb.${zone}`,
    ...[self, ...peers].map((p) => `ns-${p}.${zone}`),
    ...hosts.flatMap((h) => [`${h}.${zone}`, `localtargets-${h}.${zone}`]),
    `${self}.hb.${zone}`,
    ...peers.map((p) => `${p}.hb.${zone}`),
    ...services.map((s) => `${s}.${self}.hb.${zone}`),
  ];
  const nameKinds: [string, () => string][] = [
    ["known", () => pick(known)],
    ["nxdomain", () => `${label()}.${zone}`],
    ["deep-nx", () => `${label()}.${pick(known.filter((k) => !k.includes(".hb.")))}`],
    ["heartbeat", () => `${label()}.${self}.hb.${zone}`],
    ["svc-heartbeat", () => `${label()}.${pick(services)}.${self}.hb.${zone}`],
    ["deep-heartbeat", () => `${label()}.${label()}.${self}.hb.${zone}`],
    ["referral", () => `${label()}.${pick(peers)}.hb.${zone}`],
    ["deep-referral", () => `${label()}.${label()}.${pick(peers)}.hb.${zone}`],
    [
      "out-of-zone",
      () => pick([`example.org`, `${label()}.example.net`, zone.split(".").slice(1).join("."), "com"]),
    ],
    ["parent-sibling", () => `${label()}.${zone.split(".").slice(1).join(".")}`],
  ];
  const out: CorpusQuery[] = [];
  let id = 1;
  const add = (desc: string, q: Parameters<typeof buildQuery>[0], transport: "udp" | "tcp") => {
    out.push({ desc: `${desc} ${transport}`, bytes: buildQuery({ ...q, id: id++ & 0xffff }), transport });
  };
  // Every known name × every type, plain, over UDP and TCP.
  for (const n of known)
    for (const t of TYPES) {
      add(`${n} type${t}`, { name: n, type: t }, "udp");
      add(`${n} type${t}`, { name: n, type: t, edns: { udpSize: 1232 } }, "tcp");
    }
  // Random mixtures: name kind, case, type, EDNS variant, transport.
  while (out.length < 2400) {
    const [kind, gen] = pick(nameKinds);
    let name = gen();
    const mixed = r() < 0.4;
    if (mixed) name = randomCase(name, r);
    const type = pick(TYPES);
    const edns = pick(EDNS_VARIANTS);
    add(
      `${kind}${mixed ? " mixed-case" : ""} ${name} type${type} edns=${JSON.stringify(edns)}`,
      { name, type, edns, rd: r() < 0.5 },
      r() < 0.7 ? "udp" : "tcp",
    );
  }
  // Protocol corner cases.
  for (const transport of ["udp", "tcp"] as const) {
    add("BADVERS", { name: zone, type: 6, edns: { udpSize: 1232, version: 1 } }, transport);
    add(
      "BADVERS on nxdomain",
      { name: `x.${zone}`, type: 1, edns: { udpSize: 1232, version: 3 } },
      transport,
    );
    for (const opcode of [1, 2, 4, 5, 6, 15])
      add(`opcode ${opcode}`, { name: zone, type: 6, opcode }, transport);
    for (const cls of [3, 4, 254, 255, 2])
      add(`class ${cls}`, { name: `app.${zone}`, type: 1, cls }, transport);
    for (const type of [252, 251, 253, 254, 41, 250, 249, 128, 0])
      add(`meta type ${type}`, { name: zone, type }, transport);
    add("root", { name: ".", type: 2 }, transport);
    // Malformed: no question, two questions, a cut-off question, a bad label, a query with QR set.
    const good = buildQuery({ id: id++, name: `app.${zone}`, type: 1 });
    const raw = (desc: string, bytes: Buffer) => out.push({ desc: `${desc} ${transport}`, bytes, transport });
    const qd0 = Buffer.from(good.subarray(0, 12));
    qd0.writeUInt16BE(0, 4);
    raw("qdcount 0", qd0);
    const qd2 = Buffer.concat([good, good.subarray(12)]);
    qd2.writeUInt16BE(2, 4);
    raw("qdcount 2", qd2);
    raw("cut-off question", good.subarray(0, good.length - 3));
    const badLabel = Buffer.from(good);
    badLabel[12] = 0x50;
    raw("label length 80", badLabel);
    const ptrQ = Buffer.concat([
      good.subarray(0, 12),
      Buffer.from([0xc0, 0x0c]),
      good.subarray(good.length - 4),
    ]);
    raw("pointer in question", ptrQ);
    const two = buildQuery({ id: id++, name: zone, type: 6, edns: { udpSize: 1232 } });
    const twoOpt = Buffer.concat([two, two.subarray(two.length - 11)]);
    twoOpt.writeUInt16BE(2, 10);
    raw("two OPT records", twoOpt);
    const badOpt = Buffer.from(two);
    badOpt.writeUInt16BE(9, two.length - 2);
    raw("OPT rdata overruns", badOpt);
    const qr = Buffer.from(good);
    qr[2]! |= 0x80;
    raw("QR set", qr);
    raw("header only", good.subarray(0, 12));
  }
  return out;
}

// Benchmark (not a test): the per-query cost of the DNS libraries the design names, against
// splitguard's compiled fast path, on the same query and answer. Prints ns/query and a ratio.
//   node --import tsx test/bench/codec-bench.ts
// Each library parses the query and builds the answer (3 A records, question echoed, AA set).
import { createRequire } from "node:module";
import * as dnsPacket from "dns-packet";
import { parseConfigText } from "../../src/config/load.ts";
import { Responder } from "../../src/dns/responder.ts";
import { compileZone } from "../../src/dns/zone-compiler.ts";
import { buildZoneModel, standaloneView } from "../../src/dns/zone-model.ts";
import { CONFIG } from "../dns/support/fixture.ts";
import { buildQuery } from "../support/dns-client.ts";

const require = createRequire(import.meta.url);
// biome-ignore lint/suspicious/noExplicitAny: untyped CommonJS libraries
const dns2 = require("dns2") as any;
// biome-ignore lint/suspicious/noExplicitAny: untyped CommonJS libraries
const ndp = require("native-dns-packet") as any;

const query = buildQuery({ name: "app.gslb.example.com", type: 1, id: 7 });
const ADDRS = ["10.0.1.1", "10.0.1.2", "10.0.2.1"];

const config = parseConfigText(CONFIG, "bench");
const responder = new Responder(compileZone(buildZoneModel(config, standaloneView(config), 1)), {
  incarnation: 5,
  key: Buffer.alloc(32),
});

const contenders: Record<string, () => Buffer> = {
  "splitguard fast path": () => responder.handle(query, "udp")!,
  "dns-packet": () => {
    const q = dnsPacket.decode(query);
    return dnsPacket.encode({
      id: q.id,
      type: "response",
      flags: dnsPacket.AUTHORITATIVE_ANSWER,
      questions: q.questions,
      answers: ADDRS.map((data) => ({ name: q.questions![0]!.name, type: "A", class: "IN", ttl: 30, data })),
    });
  },
  dns2: () => {
    const q = dns2.Packet.parse(query);
    const r = new dns2.Packet(q);
    r.header.qr = 1;
    r.header.aa = 1;
    for (const address of ADDRS)
      r.answers.push({
        name: q.questions[0].name,
        type: dns2.Packet.TYPE.A,
        class: dns2.Packet.CLASS.IN,
        ttl: 30,
        address,
      });
    return r.toBuffer();
  },
  "native-dns-packet": () => {
    const q = ndp.parse(query);
    q.header.qr = 1;
    q.header.aa = 1;
    q.answer = ADDRS.map((address) => ({ name: q.question[0].name, type: 1, class: 1, ttl: 30, address }));
    const buf = Buffer.alloc(512);
    const n = ndp.write(buf, q);
    return buf.subarray(0, n);
  },
};

function measure(fn: () => Buffer): number {
  for (let i = 0; i < 20_000; i++) fn();
  const n = 200_000;
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < n; i++) fn();
  return Number(process.hrtime.bigint() - t0) / n;
}

// Every contender must produce a message that decodes to the same answer.
for (const [name, fn] of Object.entries(contenders)) {
  const p = dnsPacket.decode(fn());
  const got = (p.answers ?? []).map((a) => (a as { data?: unknown }).data);
  if (JSON.stringify(got) !== JSON.stringify(ADDRS))
    throw new Error(`${name} answered ${JSON.stringify(got)}`);
}

// Truncation: an answer that does not fit 512 octets must come back with TC set, not throw.
const big = ndp.parse(query);
big.answer = Array.from({ length: 60 }, (_, i) => ({
  name: big.question[0].name,
  type: 28,
  class: 1,
  ttl: 30,
  address: `2001:db8::${i + 1}`,
}));
let ndpTruncation = "ok";
try {
  ndp.write(Buffer.alloc(512), big);
} catch (e) {
  ndpTruncation = `throws (${(e as Error).name}: ${(e as Error).message.slice(0, 40)})`;
}
const dp = dnsPacket.encode({
  type: "response",
  questions: [{ name: "a.b", type: "A" }],
  answers: Array.from({ length: 3 }, () => ({
    name: "app.gslb.example.com",
    type: "A",
    ttl: 1,
    data: "10.0.0.1",
  })),
});

const base = measure(contenders["splitguard fast path"]!);
console.log(
  `# codec bench, node ${process.version}, dns2 ${require("dns2/package.json").version}, native-dns-packet ${require("native-dns-packet/package.json").version}, dns-packet ${require("dns-packet/package.json").version}`,
);
console.log("| contender            | ns/query | vs splitguard |");
console.log("|----------------------|----------|---------------|");
for (const [name, fn] of Object.entries(contenders)) {
  const ns = name === "splitguard fast path" ? base : measure(fn);
  console.log(
    `| ${name.padEnd(20)} | ${ns.toFixed(0).padStart(8)} | ${(ns / base).toFixed(1).padStart(12)}x |`,
  );
}
console.log(`native-dns-packet writing 60 AAAA into 512 octets: ${ndpTruncation}`);
console.log(
  `dns-packet: a response with the owner name 3 times is ${dp.length} octets (no name compression)`,
);

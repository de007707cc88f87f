// Each authoritative behaviour of DESIGN §6, checked with the real dig (BIND 9) and kdig (Knot).
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RunningServer } from "../../src/dns/server.ts";
import { serveFixture } from "./support/serve-fixture.ts";

let server: RunningServer;
const Z = "gslb.example.com";

beforeAll(async () => {
  ({ server } = await serveFixture());
});
afterAll(async () => {
  await server?.close();
});

// The server runs in this process: the tools must run asynchronously, or the event loop that
// answers them would be blocked.
const run = promisify(execFile);

async function dig(...args: string[]): Promise<string> {
  return (
    await run(
      "dig",
      [`@${server.host}`, "-p", String(server.port), "+norec", "+time=2", "+tries=1", ...args],
      {
        encoding: "utf8",
      },
    )
  ).stdout;
}
async function kdig(...args: string[]): Promise<string> {
  return (
    await run(
      "kdig",
      [`@${server.host}`, "-p", String(server.port), "+norec", "+time=2", "+retry=0", ...args],
      {
        encoding: "utf8",
      },
    )
  ).stdout;
}
const status = (out: string) => /status: ([A-Z]+)/.exec(out)?.[1];
const flags = (out: string) => /flags: ([a-z ]*);/.exec(out)?.[1]?.trim().split(" ");

describe("authoritative behaviour with dig and kdig", () => {
  it("answers with AA and the strategy's records", async () => {
    const out = await dig(`app.${Z}`, "A");
    expect(status(out)).toBe("NOERROR");
    expect(flags(out)).toContain("aa");
    expect(out).toMatch(/app\.gslb\.example\.com\.\s+30\s+IN\s+A\s+10\.0\.1\.1/);
  });

  it("sets TC over UDP when the answer does not fit, and dig's TCP retry gets it all", async () => {
    const truncated = await dig("+ignore", "+noedns", `big.${Z}`, "A");
    expect(flags(truncated)).toContain("tc");
    expect(truncated).toMatch(/ANSWER: 0/);
    const retried = await dig("+noedns", `big.${Z}`, "A");
    expect(retried).toMatch(/Truncated, retrying in TCP mode/);
    expect(retried).toMatch(/ANSWER: 40/);
    expect(retried).toMatch(/\(TCP\)/);
    // With EDNS 1232 the 60 AAAA records (about 1.7 kB) still do not fit.
    expect(flags(await dig("+ignore", "+bufsize=1232", `huge.${Z}`, "AAAA"))).toContain("tc");
  });

  it("answers several queries on one TCP connection", async () => {
    const before = server.tcpAccepted();
    const out = await kdig(
      "+tcp",
      "+keepopen",
      `app.${Z}`,
      "A",
      `db.${Z}`,
      "A",
      `${Z}`,
      "SOA",
      `nx.${Z}`,
      "A",
    );
    expect(out.match(/;; ->>HEADER<<-/g)).toHaveLength(4);
    expect(out).toMatch(/NXDOMAIN/);
    expect(server.tcpAccepted() - before).toBe(1);
  });

  it("answers EDNS version 1 with BADVERS and an OPT record", async () => {
    const out = await dig("+edns=1", "+noednsneg", Z, "SOA");
    expect(status(out)).toBe("BADVERS");
    expect(out).toMatch(/EDNS: version: 0/);
  });

  it("answers a question-less message with FORMERR", async () => {
    expect(status(await dig("+header-only", Z))).toBe("FORMERR");
  });

  it("answers an unknown opcode with NOTIMP", async () => {
    expect(status(await dig("+opcode=2", Z, "SOA"))).toBe("NOTIMP");
    expect(status(await dig("+opcode=5", Z, "SOA"))).toBe("NOTIMP");
    expect(status(await dig("+opcode=4", Z, "SOA"))).toBe("REFUSED"); // NOTIFY: we are nobody's secondary
  });

  it("preserves the question's 0x20 mixed case in question and answer", async () => {
    const out = await dig("+noall", "+question", "+answer", "ApP.GsLb.ExAmPlE.cOm", "A");
    expect(out).toMatch(/;ApP\.GsLb\.ExAmPlE\.cOm\.\s+IN\s+A/);
    expect(out).toMatch(/^ApP\.GsLb\.ExAmPlE\.cOm\.\s+30\s+IN\s+A\s+10\.0\.1\.1/m);
  });

  it("tells NXDOMAIN from NODATA, with the SOA and the negative TTL in authority", async () => {
    const nx = await dig(`nope.${Z}`, "A");
    expect(status(nx)).toBe("NXDOMAIN");
    expect(nx).toMatch(/AUTHORITY SECTION:\ngslb\.example\.com\.\s+5\s+IN\s+SOA/);
    const nodata = await dig(`db.${Z}`, "AAAA");
    expect(status(nodata)).toBe("NOERROR");
    expect(nodata).toMatch(/ANSWER: 0, AUTHORITY: 1/);
  });

  it("refuses names outside the zone without AA", async () => {
    const out = await dig("example.org", "A");
    expect(status(out)).toBe("REFUSED");
    expect(flags(out)).not.toContain("aa");
  });

  it("refers other regions' heartbeat subzones with NS and glue, AA clear", async () => {
    const out = await dig(`n1.us.hb.${Z}`, "TXT");
    expect(flags(out)).not.toContain("aa");
    expect(out).toMatch(
      /AUTHORITY SECTION:\nus\.hb\.gslb\.example\.com\.\s+3600\s+IN\s+NS\s+ns-us\.gslb\.example\.com\./,
    );
    expect(out).toMatch(/ADDITIONAL SECTION:\nns-us\.gslb\.example\.com\.\s+3600\s+IN\s+A\s+127\.0\.0\.12/);
  });

  it("signs its own heartbeat, echoing the nonce, with TTL 0", async () => {
    const out = await kdig("+noall", "+answer", `nonce42.eu.hb.${Z}`, "TXT");
    expect(out).toMatch(
      /\s0\s+IN\s+TXT\s+"v=sg1 t=region r=eu n=nonce42 inc=4 sv=[A-Za-z0-9_-]{22} ns=\d+" "mac=/,
    );
  });

  it("answers ANY minimally (RFC 8482): one RRset", async () => {
    const out = await dig("+notcp", Z, "ANY");
    expect(out).toMatch(/ANSWER: 1,/);
    expect(out).toMatch(/IN\s+SOA/);
  });
});

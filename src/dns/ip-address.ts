// IP address text → bytes, in one place (the zone's A/AAAA records, rate-limit prefixes, cookies).
import { isIPv4 } from "node:net";

function ipv6Bytes(address: string): Buffer {
  let a = address.toLowerCase();
  const zone = a.indexOf("%");
  if (zone >= 0) a = a.slice(0, zone);
  // A trailing dotted quad (::ffff:192.0.2.1, 64:ff9b::192.0.2.1) becomes two groups.
  const v4 = /(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(a);
  if (v4) {
    const [b0, b1, b2, b3] = v4.slice(1).map(Number) as [number, number, number, number];
    a = `${a.slice(0, v4.index)}${((b0 << 8) | b1).toString(16)}:${((b2 << 8) | b3).toString(16)}`;
  }
  const halves = a.split("::");
  const head = halves[0] ? halves[0].split(":") : [];
  const tail = halves.length > 1 && halves[1] ? halves[1].split(":") : [];
  const zeros = halves.length > 1 ? Math.max(0, 8 - head.length - tail.length) : 0;
  const groups = [...head, ...new Array<string>(zeros).fill("0"), ...tail];
  const out = Buffer.alloc(16);
  groups.slice(0, 8).forEach((g, i) => {
    out.writeUInt16BE(Number.parseInt(g, 16) || 0, i * 2);
  });
  return out;
}

/** The address as written: 4 bytes for IPv4, 16 for IPv6 (for A and AAAA records). */
export function ipBytes(address: string): Buffer {
  return isIPv4(address) ? Buffer.from(address.split(".").map(Number)) : ipv6Bytes(address);
}

/**
 * A client's source address: 4 bytes for IPv4 *and* for IPv4-mapped IPv6 (`::ffff:a.b.c.d`, how a
 * dual-stack socket reports IPv4 clients), 16 for other IPv6. Rate-limit prefixes and cookies must
 * see one IPv4 client the same way whichever socket it came in on.
 */
export function clientAddressBytes(address: string): Buffer {
  if (isIPv4(address)) return ipBytes(address);
  const b = ipv6Bytes(address);
  const mapped = b.subarray(0, 10).every((x) => x === 0) && b[10] === 0xff && b[11] === 0xff;
  return mapped ? Buffer.from(b.subarray(12)) : b;
}

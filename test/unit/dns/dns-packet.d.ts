// The little of dns-packet (a devDependency without bundled types) that the codec tests use.
declare module "dns-packet" {
  const dnsPacket: {
    readonly RECURSION_DESIRED: number;
    encode(packet: Record<string, unknown>): Buffer;
    decode(wire: Buffer): {
      answers?: Record<string, unknown>[];
      authorities?: Record<string, unknown>[];
    };
  };
  export default dnsPacket;
}

// Differences between splitguard and NSD that are by design; each is explained in docs/dns.md.
import type { Normalised } from "./compare.ts";
import type { CorpusQuery } from "./corpus.ts";

export function knownDifference(
  q: CorpusQuery,
  ours: Normalised | undefined,
  nsd: Normalised | undefined,
): string | undefined {
  // docs/dns.md "Malformed queries over TCP": NSD closes the connection without an answer when a
  // TCP message has no question; splitguard answers FORMERR, as it does over UDP.
  if (q.transport === "tcp" && nsd === undefined && ours?.rcode === 1 && ours.question === "")
    return "tcp-formerr-answered";
  return undefined;
}

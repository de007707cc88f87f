// The DNS-label rule for region and host names, on its own so that the CRDs (src/kube/crds.ts) and
// through them `splitguard override` share it without loading the config schema and zod.

/** A DNS label as used for regions and hosts: lower case, LDH, 1–63 octets (RFC 1035 §2.3.1). */
export const LABEL = /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/;
/** The same rule as a pattern string, for the CRDs' OpenAPI schemas (src/kube/crds.ts). */
export const LABEL_PATTERN = LABEL.source;

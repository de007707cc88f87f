// The DNS-label rule and the name length limits for region and host names, on their own so that
// the config schema (src/config/schema.ts), the CRDs (src/kube/crds.ts) and through them
// `splitguard override` share them without loading the config schema and zod.

/** A DNS label as used for regions and hosts: lower case, LDH, 1–63 octets (RFC 1035 §2.3.1). */
export const LABEL = /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/;
/** The same rule as a pattern string, for the CRDs' OpenAPI schemas (src/kube/crds.ts). */
export const LABEL_PATTERN = LABEL.source;

/*
 * Length limits that keep every name and TXT string splitguard builds from these names on the wire
 * (DESIGN §2 records; found in review). The config schema and the CRDs both use these constants, so
 * a FailoverService the API server admits is one the runtime can serve:
 * - hosts: every region answers `localtargets-<host>`, which must stay one 63-octet label (RFC 1035
 *   §2.3.4), and "localtargets-" takes 13 of them, so a host has at most 50 characters;
 * - regions: the per-service heartbeat's first TXT string (region, service, a nonce of up to 32,
 *   handover region, role, epoch) must fit 255 octets (RFC 1035 §3.3), so a region has at most 24.
 */
export const LOCALTARGETS_PREFIX = "localtargets-";
export const MAX_HOST_NAME = 63 - LOCALTARGETS_PREFIX.length;
export const MAX_REGION_NAME = 24;

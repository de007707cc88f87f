// This region's own answers for a host (DESIGN §7): a Gateway's status.addresses (Gateway API v1),
// a LoadBalancer Service's status.loadBalancer.ingress, or static addresses. Only IP addresses are
// answers; a Gateway address of type Hostname or an ingress hostname is skipped (a CNAME would
// leave the zone's control), and the caller reports it.
import { isIP } from "node:net";
import type { KubeObject } from "./kube-client.ts";

export interface TargetsSpec {
  readonly gateway?: { readonly name: string };
  readonly service?: { readonly name: string };
  readonly static?: readonly string[];
}

export interface Targets {
  readonly addresses: string[];
  /** Addresses that were present but not usable, with why. */
  readonly skipped: string[];
}

export function gatewayTargets(gw: KubeObject): Targets {
  const addrs =
    (gw.status as { addresses?: { type?: string; value: string }[] } | undefined)?.addresses ?? [];
  const out: Targets = { addresses: [], skipped: [] };
  for (const a of addrs) {
    // Gateway API: type defaults to IPAddress.
    if ((a.type ?? "IPAddress") === "IPAddress" && isIP(a.value)) out.addresses.push(a.value);
    else out.skipped.push(`${a.value} (${a.type ?? "IPAddress"}: not an IP address)`);
  }
  return out;
}

export function loadBalancerTargets(svc: KubeObject): Targets {
  const ing =
    (svc.status as { loadBalancer?: { ingress?: { ip?: string; hostname?: string }[] } } | undefined)
      ?.loadBalancer?.ingress ?? [];
  const out: Targets = { addresses: [], skipped: [] };
  for (const i of ing) {
    if (i.ip && isIP(i.ip)) out.addresses.push(i.ip);
    else if (i.hostname) out.skipped.push(`${i.hostname} (hostname: not an IP address)`);
  }
  return out;
}

export function targetsPath(namespace: string, spec: TargetsSpec): string | undefined {
  if (spec.gateway)
    return `/apis/gateway.networking.k8s.io/v1/namespaces/${namespace}/gateways/${spec.gateway.name}`;
  if (spec.service) return `/api/v1/namespaces/${namespace}/services/${spec.service.name}`;
  return undefined;
}

export function targetsOf(spec: TargetsSpec, obj: KubeObject | undefined): Targets {
  if (spec.static) return { addresses: [...spec.static], skipped: [] };
  if (!obj) return { addresses: [], skipped: [] };
  return spec.gateway ? gatewayTargets(obj) : loadBalancerTargets(obj);
}

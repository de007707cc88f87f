// The minimal rules the controller uses, per namespace it manages (docs/rbac.md explains each).
// The kube tier runs its controllers as a user bound to exactly these rules, so a request outside
// them fails a test.
export interface PolicyRule {
  readonly apiGroups: string[];
  readonly resources: string[];
  readonly verbs: string[];
  readonly resourceNames?: string[];
}

export const controllerRules: readonly PolicyRule[] = [
  {
    apiGroups: ["splitguard.io"],
    resources: ["failoverservices", "failoveroverrides"],
    verbs: ["get", "list", "watch"],
  },
  {
    apiGroups: ["splitguard.io"],
    resources: ["failoverservices/status", "failoveroverrides/status"],
    verbs: ["update"],
  },
  { apiGroups: ["postgresql.cnpg.io"], resources: ["clusters"], verbs: ["get", "patch"] },
  { apiGroups: [""], resources: ["pods"], verbs: ["list"] },
  { apiGroups: [""], resources: ["pods/status"], verbs: ["patch"] },
  { apiGroups: [""], resources: ["events"], verbs: ["create"] },
  { apiGroups: ["coordination.k8s.io"], resources: ["leases"], verbs: ["get", "create", "update"] },
];

/** Read-only rules for the local target sources (Gateway status.addresses, LoadBalancer Service). */
export const targetRules: readonly PolicyRule[] = [
  { apiGroups: ["gateway.networking.k8s.io"], resources: ["gateways"], verbs: ["get"] },
  { apiGroups: [""], resources: ["services"], verbs: ["get"] },
];

/**
 * What an operator needs for `splitguard status`, `explain` and `override` (docs/cli.md): read the
 * services, and create and watch overrides. Nothing else: the CLI never writes a status, a Cluster
 * or a pod. The kube tier runs the CLI as a user bound to exactly these rules.
 */
export const operatorRules: readonly PolicyRule[] = [
  { apiGroups: ["splitguard.io"], resources: ["failoverservices"], verbs: ["get", "list"] },
  {
    apiGroups: ["splitguard.io"],
    resources: ["failoveroverrides"],
    verbs: ["get", "list", "watch", "create"],
  },
];

/** Lease mode with `keySecret`: read exactly the named Secrets holding the TSIG keys, nothing else. */
export function leaseKeyRules(secretNames: readonly string[]): PolicyRule[] {
  return secretNames.length
    ? [{ apiGroups: [""], resources: ["secrets"], verbs: ["get"], resourceNames: [...secretNames] }]
    : [];
}

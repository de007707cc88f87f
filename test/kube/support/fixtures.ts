// Objects the kube tier creates: namespaces, FailoverServices, CNPG Clusters, gated pods.
import type { KubeClient, KubeObject } from "../../../src/kube/kube-client.ts";

export const FS = (ns: string, name = "") =>
  `/apis/splitguard.io/v1alpha1/namespaces/${ns}/failoverservices${name ? `/${name}` : ""}`;
export const FO = (ns: string, name = "") =>
  `/apis/splitguard.io/v1alpha1/namespaces/${ns}/failoveroverrides${name ? `/${name}` : ""}`;
export const CLUSTER = (ns: string, name = "") =>
  `/apis/postgresql.cnpg.io/v1/namespaces/${ns}/clusters${name ? `/${name}` : ""}`;

let n = 0;
export async function newNamespace(admin: KubeClient, prefix = "t"): Promise<string> {
  const name = `${prefix}-${process.pid}-${++n}`;
  await admin.create("/api/v1/namespaces", { apiVersion: "v1", kind: "Namespace", metadata: { name } });
  return name;
}

export function failoverService(name: string, spec: Record<string, unknown> = {}): KubeObject {
  return {
    apiVersion: "splitguard.io/v1alpha1",
    kind: "FailoverService",
    metadata: { name },
    spec: {
      host: "db",
      safety: "witness",
      regions: [
        { name: "eu", cnpgCluster: "pg-eu" },
        { name: "us", cnpgCluster: "pg-us" },
      ],
      gate: { selector: { matchLabels: { app: "ferretdb" } } },
      targets: { static: ["192.0.2.10"] },
      ...spec,
    },
  };
}

/** A CNPG Cluster in distributed topology (replica.self/primary), as an operator would see it. */
export function cnpgCluster(name: string, self: string, primary: string): KubeObject {
  return {
    apiVersion: "postgresql.cnpg.io/v1",
    kind: "Cluster",
    metadata: { name },
    spec: {
      instances: 1,
      storage: { size: "1Gi" },
      externalClusters: [
        { name: "pg-eu", connectionParameters: { host: "pg-eu-rw.eu", dbname: "postgres" } },
        { name: "pg-us", connectionParameters: { host: "pg-us-rw.us", dbname: "postgres" } },
      ],
      replica: { self, primary, source: self === "pg-eu" ? "pg-us" : "pg-eu" },
    },
  };
}

export function gatedPod(name: string, labels: Record<string, string>): KubeObject {
  return {
    apiVersion: "v1",
    kind: "Pod",
    metadata: { name, labels },
    spec: {
      readinessGates: [{ conditionType: "splitguard.io/primary" }],
      containers: [{ name: "ferretdb", image: "ghcr.io/ferretdb/ferretdb:2" }],
    },
  };
}

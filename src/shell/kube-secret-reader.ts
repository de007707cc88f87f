// Reads a key of a Kubernetes Secret with the pod's service account (in-cluster only): GET
// /api/v1/namespaces/{ns}/secrets/{name} over HTTPS, verified against the cluster CA. The value is
// returned decoded and never logged; errors name the Secret and the HTTP status only.
import { readFileSync } from "node:fs";
import { request } from "node:https";
import type { SecretReader, SecretRef } from "../config/lease-keys.ts";

const SA = "/var/run/secrets/kubernetes.io/serviceaccount";

export function inClusterSecretReader(env: NodeJS.ProcessEnv = process.env): SecretReader | undefined {
  const host = env.KUBERNETES_SERVICE_HOST;
  const port = env.KUBERNETES_SERVICE_PORT ?? "443";
  if (!host) return undefined;
  return async (ref: SecretRef) => {
    const token = readFileSync(`${SA}/token`, "utf8").trim();
    const ca = readFileSync(`${SA}/ca.crt`);
    const ns = ref.namespace ?? readFileSync(`${SA}/namespace`, "utf8").trim();
    const body = await new Promise<string>((resolve, reject) => {
      const req = request(
        {
          host,
          port: Number(port),
          path: `/api/v1/namespaces/${encodeURIComponent(ns)}/secrets/${encodeURIComponent(ref.name)}`,
          method: "GET",
          ca,
          headers: { authorization: `Bearer ${token}`, accept: "application/json" },
          timeout: 5000,
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on("data", (c: Buffer) => chunks.push(c));
          res.on("end", () =>
            res.statusCode === 200
              ? resolve(Buffer.concat(chunks).toString("utf8"))
              : reject(new Error(`the API server answered HTTP ${res.statusCode}`)),
          );
        },
      );
      req.on("timeout", () => req.destroy(new Error("the API server did not answer in 5 s")));
      req.on("error", reject);
      req.end();
    });
    const data = (JSON.parse(body) as { data?: Record<string, string> }).data ?? {};
    const v = data[ref.key];
    if (v === undefined) throw new Error(`the Secret has no key "${ref.key}"`);
    return Buffer.from(v, "base64");
  };
}

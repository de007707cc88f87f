// Finding the API server like kubectl does: --kubeconfig, else $KUBECONFIG (a list of files joined
// with ':'; for each map the first file that sets a name wins, as kubectl merges), else
// ~/.kube/config, else in-cluster (the service account token and CA, KUBERNETES_SERVICE_HOST/PORT).
// --context picks a context, else current-context. Supported credentials: token, tokenFile, client
// certificate and key (file or -data), CA (file or -data), insecure-skip-tls-verify. Exec and
// auth-provider plugins are not supported and are named in the error.
import { existsSync, readFileSync } from "node:fs";
import { homedir } from "node:os";
import { dirname, isAbsolute, join, resolve } from "node:path";
import yaml from "js-yaml";
import type { KubeConnection } from "./kube-client.ts";

export const SA_DIR = "/var/run/secrets/kubernetes.io/serviceaccount";

interface KubeconfigFile {
  clusters?: { name: string; cluster: Record<string, unknown> }[];
  users?: { name: string; user: Record<string, unknown> }[];
  contexts?: { name: string; context: { cluster: string; user: string; namespace?: string } }[];
  "current-context"?: string;
}

export interface ResolvedKubeconfig {
  readonly conn: KubeConnection;
  readonly namespace: string | undefined;
  readonly source: string;
}

export interface KubeconfigOptions {
  readonly kubeconfig?: string | undefined;
  readonly context?: string | undefined;
  readonly env?: NodeJS.ProcessEnv;
  readonly home?: string;
  readonly saDir?: string;
}

export function resolveKubeconfig(o: KubeconfigOptions = {}): ResolvedKubeconfig {
  const env = o.env ?? process.env;
  const files = o.kubeconfig
    ? [o.kubeconfig]
    : env.KUBECONFIG
      ? env.KUBECONFIG.split(":").filter(Boolean)
      : [join(o.home ?? homedir(), ".kube", "config")].filter((f) => existsSync(f));
  if (files.length === 0) return inCluster(env, o.saDir ?? SA_DIR);
  const merged = {
    clusters: new Map<string, [Record<string, unknown>, string]>(),
    users: new Map<string, [Record<string, unknown>, string]>(),
    contexts: new Map<string, { cluster: string; user: string; namespace?: string }>(),
  };
  let current: string | undefined;
  for (const f of files) {
    if (!existsSync(f)) {
      if (o.kubeconfig) throw new Error(`kubeconfig ${f} does not exist`);
      continue;
    }
    const doc = (yaml.load(readFileSync(f, "utf8")) ?? {}) as KubeconfigFile;
    const base = dirname(resolve(f));
    for (const c of doc.clusters ?? [])
      if (!merged.clusters.has(c.name)) merged.clusters.set(c.name, [c.cluster, base]);
    for (const u of doc.users ?? []) if (!merged.users.has(u.name)) merged.users.set(u.name, [u.user, base]);
    for (const c of doc.contexts ?? [])
      if (!merged.contexts.has(c.name)) merged.contexts.set(c.name, c.context);
    current ??= doc["current-context"] || undefined;
  }
  const ctxName = o.context ?? current;
  if (!ctxName) throw new Error(`no context: set current-context in ${files.join(":")} or pass --context`);
  const ctx = merged.contexts.get(ctxName);
  if (!ctx)
    throw new Error(
      `context "${ctxName}" not found in ${files.join(":")} (have: ${[...merged.contexts.keys()].join(", ")})`,
    );
  const cl = merged.clusters.get(ctx.cluster);
  if (!cl) throw new Error(`cluster "${ctx.cluster}" of context "${ctxName}" not found`);
  const us = merged.users.get(ctx.user) ?? [{}, ""];
  const [cluster, cbase] = cl;
  const [user, ubase] = us;
  if (user.exec || user["auth-provider"])
    throw new Error(
      `user "${ctx.user}" uses an exec/auth-provider plugin, which splitguard does not run; use a token or client certificate`,
    );
  const file = (base: string, p: unknown) =>
    readFileSync(isAbsolute(String(p)) ? String(p) : join(base, String(p)));
  const data = (v: unknown) => Buffer.from(String(v), "base64");
  const pick = (obj: Record<string, unknown>, base: string, k: string) =>
    obj[`${k}-data`] !== undefined
      ? data(obj[`${k}-data`])
      : obj[k] !== undefined
        ? file(base, obj[k])
        : undefined;
  const token =
    (user.token as string | undefined) ??
    (user.tokenFile ? file(ubase, user.tokenFile).toString("utf8").trim() : undefined);
  return {
    conn: {
      server: String(cluster.server),
      ca: pick(cluster, cbase, "certificate-authority"),
      cert: pick(user, ubase, "client-certificate"),
      key: pick(user, ubase, "client-key"),
      token,
      insecureSkipTlsVerify: cluster["insecure-skip-tls-verify"] === true,
    },
    namespace: ctx.namespace,
    source: `${files.join(":")} context ${ctxName}`,
  };
}

function inCluster(env: NodeJS.ProcessEnv, saDir: string): ResolvedKubeconfig {
  const host = env.KUBERNETES_SERVICE_HOST;
  const port = env.KUBERNETES_SERVICE_PORT ?? "443";
  if (!host || !existsSync(join(saDir, "token")))
    throw new Error("no kubeconfig (--kubeconfig, $KUBECONFIG, ~/.kube/config) and not running in a cluster");
  const h = host.includes(":") ? `[${host}]` : host;
  return {
    conn: {
      server: `https://${h}:${port}`,
      ca: readFileSync(join(saDir, "ca.crt")),
      token: readFileSync(join(saDir, "token"), "utf8").trim(),
    },
    namespace: existsSync(join(saDir, "namespace"))
      ? readFileSync(join(saDir, "namespace"), "utf8").trim()
      : undefined,
    source: "in-cluster service account",
  };
}

// `helm install` into a real kube-apiserver (the kube tier's, test/kube/support/kube-env.ts), then
// the controller started the way the chart's Deployment starts it: with the configuration the
// chart rendered (read back from the ConfigMap), the heartbeat key from the Secret laid out as the
// pod mounts it, and the chart's ServiceAccount token, so only the chart's Role authorizes it. It
// must reconcile a sample FailoverService: status written, gates patched.
// No kubelet runs, so the Deployment's pods never start; the controller runs here as a process.
import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadConfigFile, parseConfigText } from "../../src/config/load.ts";
import type { KubeObject } from "../../src/kube/kube-client.ts";
import { CLUSTER, cnpgCluster, FS, failoverService, gatedPod } from "../kube/support/fixtures.ts";
import { type KubeEnv, readCrds, startKubeEnv, upstreamCrdFiles } from "../kube/support/kube-env.ts";
import { gates, until } from "../kube/support/regions.ts";
import { freePort } from "../support/dns-client.ts";
import { CHART, EXAMPLE_VALUES, Helm } from "./support/chart-tools.ts";

const NS = "gslb";
const RELEASE = "sg";
const BIN = join(import.meta.dirname, "../../bin/splitguard.js");

let env: KubeEnv;
let helm: Helm;
let kubeconfig: string;
let work: string;
let controller: ChildProcess | undefined;
let controllerLog = "";

beforeAll(async () => {
  helm = new Helm();
  work = mkdtempSync(join(tmpdir(), "splitguard-chart-install-"));
  env = await startKubeEnv({ users: [] });
  // Only CNPG's Cluster CRD from upstream: splitguard's own CRDs are the chart's to install.
  await env.installCrds(
    readCrds(upstreamCrdFiles()).filter((c) => c.metadata.name === "clusters.postgresql.cnpg.io"),
  );
  kubeconfig = env.kubeconfig();
}, 240_000);

afterAll(async () => {
  if (controller && controller.exitCode === null) {
    const exited = new Promise((r) => controller!.once("exit", r));
    controller.kill("SIGTERM");
    await Promise.race([exited, new Promise((r) => setTimeout(r, 5000))]);
    controller.kill("SIGKILL");
  }
  await env?.stop();
  helm?.remove();
  if (work) rmSync(work, { recursive: true, force: true });
});

const get = <T = KubeObject>(path: string) => env.admin.get<T>(path);

describe("helm install into a real kube-apiserver", () => {
  it("installs the CRDs and every object, with the heartbeat key from an existing Secret", async () => {
    await env.admin.create("/api/v1/namespaces", {
      apiVersion: "v1",
      kind: "Namespace",
      metadata: { name: NS },
    });
    await env.admin.create(`/api/v1/namespaces/${NS}/secrets`, {
      apiVersion: "v1",
      kind: "Secret",
      metadata: { name: "splitguard-heartbeat" },
      stringData: { "heartbeat.key": randomBytes(32).toString("base64") },
    });
    await env.admin.create(`/api/v1/namespaces/${NS}/secrets`, {
      apiVersion: "v1",
      kind: "Secret",
      metadata: { name: "lease.tsig" },
      stringData: {
        "tsig.key": `key "splitguard" { algorithm hmac-sha256; secret "${randomBytes(32).toString("base64")}"; };\n`,
      },
    });
    // Manual safety and a witness on a closed loopback port: nothing leaves the machine, and no
    // evidence can move the sample service (the test is about the chart, not the decisions).
    const closed = await freePort("127.0.0.1");
    const t0 = Date.now();
    const r = helm.run(
      [
        "install",
        RELEASE,
        CHART,
        "-n",
        NS,
        "-f",
        EXAMPLE_VALUES,
        "--set",
        "config.safety=manual",
        "--set",
        `config.witnesses={127.0.0.1:${closed}}`,
        // A TSIG Secret whose name holds a dot: the API server validates the volume it becomes.
        "--set",
        "tsigKeys[0].existingSecret=lease.tsig",
        "--timeout",
        "60s",
      ],
      { KUBECONFIG: kubeconfig },
    );
    expect(r.code, r.stderr).toBe(0);
    console.log(`helm install: ${Date.now() - t0} ms`);
    expect(r.stdout).toMatch(/STATUS: deployed/);
    const crd = await get<{ status: { conditions: { type: string; status: string }[] } }>(
      "/apis/apiextensions.k8s.io/v1/customresourcedefinitions/failoverservices.splitguard.io",
    );
    expect(crd.status.conditions.some((c) => c.type === "Established" && c.status === "True")).toBe(true);
    const dep = await get(`/apis/apps/v1/namespaces/${NS}/deployments/${RELEASE}-splitguard`);
    expect((dep.spec as { replicas: number }).replicas).toBe(2);
    const svc = await get(`/api/v1/namespaces/${NS}/services/${RELEASE}-splitguard-dns`);
    expect((svc.spec as { type: string }).type).toBe("LoadBalancer");
    await get(`/apis/policy/v1/namespaces/${NS}/poddisruptionbudgets/${RELEASE}-splitguard`);
    await get(`/apis/networking.k8s.io/v1/namespaces/${NS}/networkpolicies/${RELEASE}-splitguard`);
    await get(`/apis/rbac.authorization.k8s.io/v1/namespaces/${NS}/roles/${RELEASE}-splitguard`);
  });

  it("a wrong value fails helm install with the field named, and creates nothing", async () => {
    const r = helm.run(
      ["install", "bad", CHART, "-n", NS, "-f", EXAMPLE_VALUES, "--set", "config.failover.promoteAfter=soon"],
      { KUBECONFIG: kubeconfig },
    );
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain("at '/config/failover/promoteAfter': got string, want number");
    const cms = await get<{ items: KubeObject[] }>(
      `/api/v1/namespaces/${NS}/configmaps?labelSelector=app.kubernetes.io%2Finstance%3Dbad`,
    );
    expect(cms.items).toEqual([]);
  });

  it("the controller, started as the chart starts it, reconciles a FailoverService as the chart's ServiceAccount", async () => {
    // What the pod would see: the ConfigMap at /etc/splitguard, the Secret's item below it.
    const dep = await get<{ spec: { template: { spec: PodSpec } } }>(
      `/apis/apps/v1/namespaces/${NS}/deployments/${RELEASE}-splitguard`,
    );
    const pod = dep.spec.template.spec;
    const container = pod.containers[0]!;
    const root = join(work, "etc-splitguard");
    const at = (mountPath: string) => join(root, relative("/etc/splitguard", mountPath));
    for (const m of container.volumeMounts) {
      const vol = pod.volumes.find((v) => v.name === m.name)!;
      if (vol.configMap) {
        const cm = await get<{ data: Record<string, string> }>(
          `/api/v1/namespaces/${NS}/configmaps/${vol.configMap.name}`,
        );
        mkdirSync(at(m.mountPath), { recursive: true });
        for (const [k, v] of Object.entries(cm.data)) writeFileSync(join(at(m.mountPath), k), v);
      } else if (vol.secret) {
        const s = await get<{ data: Record<string, string> }>(
          `/api/v1/namespaces/${NS}/secrets/${vol.secret.secretName}`,
        );
        mkdirSync(at(m.mountPath), { recursive: true });
        // With items, only those keys under their paths; without, every key under its own name.
        const items = vol.secret.items ?? Object.keys(s.data).map((key) => ({ key, path: key }));
        for (const item of items)
          writeFileSync(join(at(m.mountPath), item.path), Buffer.from(s.data[item.key]!, "base64"));
      }
    }
    const configFile = join(root, "splitguard.yaml");
    // The rendered configuration and the mounted key load as the product loads them.
    const loaded = loadConfigFile(configFile);
    expect(loaded.config.region).toBe("eu");
    expect(loaded.heartbeatKeys.sign.secret.length).toBeGreaterThanOrEqual(16);
    // Where a lease witness's `keyFile: tsig/lease.tsig/tsig.key` would find the TSIG Secret's key.
    expect(readFileSync(join(root, "tsig/lease.tsig/tsig.key"), "utf8")).toMatch(/^key "splitguard"/);

    // A token of the chart's ServiceAccount: only the chart's Role authorizes the controller.
    const sa = pod.serviceAccountName;
    const tr = await env.admin.create(`/api/v1/namespaces/${NS}/serviceaccounts/${sa}/token`, {
      apiVersion: "authentication.k8s.io/v1",
      kind: "TokenRequest",
      spec: { expirationSeconds: 3600 },
    } as unknown as KubeObject);
    const saKubeconfig = env.kubeconfig((tr.status as { token: string }).token);

    // The sample: this region's CNPG Cluster (primary), the FailoverService, two gated pods.
    await env.admin.create(CLUSTER(NS), cnpgCluster("pg-eu", "pg-eu", "pg-eu"));
    await env.admin.create(FS(NS), failoverService("db", { safety: "manual" }));
    for (const i of [0, 1])
      await env.admin.create(`/api/v1/namespaces/${NS}/pods`, gatedPod(`ferretdb-${i}`, { app: "ferretdb" }));

    const dnsPort = await freePort("127.0.0.1");
    const metricsPort = await freePort("127.0.0.1");
    const args = controllerArgs(container.args, configFile, loaded.config.region, dnsPort, metricsPort);
    controller = spawn(
      process.execPath,
      [BIN, ...args, "--kubeconfig", saKubeconfig, "-n", NS, "--identity", "chart-0"],
      {
        stdio: ["ignore", "pipe", "pipe"],
      },
    );
    const append = (b: Buffer) => {
      controllerLog += b.toString("utf8");
    };
    controller.stdout?.on("data", append);
    controller.stderr?.on("data", append);
    try {
      await until(
        "gates opened in the primary region",
        30_000,
        async () => (await gates(env.admin, NS)).join() === "True,True",
      );
      const status = await until("status written", 15_000, async () => {
        const s = (await get(FS(NS, "db"))).status as { role?: string } | undefined;
        return s?.role ? s : undefined;
      });
      expect(status.role).toBe("primary");
      const lease = await get<{ spec: { holderIdentity: string } }>(
        `/apis/coordination.k8s.io/v1/namespaces/${NS}/leases/splitguard-controller`,
      );
      expect(lease.spec.holderIdentity).toBe("chart-0");
      if (args.includes("--metrics")) {
        // The probes the Deployment declares, on the metrics port.
        for (const p of [container.livenessProbe.httpGet.path, container.readinessProbe.httpGet.path])
          await until(
            `${p} answers 200`,
            15_000,
            async () => (await fetch(`http://127.0.0.1:${metricsPort}${p}`)).ok,
          );
      }
      expect(controllerLog).not.toMatch(/forbidden/i);
    } catch (e) {
      console.log(`controller output:\n${controllerLog.slice(-6000)}`);
      throw e;
    }
  });

  it("helm upgrade with a new config value rolls the pods (checksum) and keeps the release's other values", async () => {
    const depPath = `/apis/apps/v1/namespaces/${NS}/deployments/${RELEASE}-splitguard`;
    const checksum = async () =>
      ((await get(depPath)).spec as { template: { metadata: { annotations: Record<string, string> } } })
        .template.metadata.annotations["checksum/config"];
    const before = await checksum();
    const r = helm.run(["upgrade", RELEASE, CHART, "-n", NS, "--reuse-values", "--set", "config.ttl=60"], {
      KUBECONFIG: kubeconfig,
    });
    expect(r.code, r.stderr).toBe(0);
    const cm = await get<{ data: Record<string, string> }>(
      `/api/v1/namespaces/${NS}/configmaps/${RELEASE}-splitguard`,
    );
    const config = parseConfigText(cm.data["splitguard.yaml"]!, "ConfigMap");
    expect(config.ttl).toBe(60);
    expect(config.safety).toBe("manual");
    expect(await checksum()).not.toBe(before);
  });

  it("helm uninstall removes the release but keeps the CRDs and the FailoverServices", async () => {
    const r = helm.run(["uninstall", RELEASE, "-n", NS], { KUBECONFIG: kubeconfig });
    expect(r.code, r.stderr).toBe(0);
    await expect(get(`/apis/apps/v1/namespaces/${NS}/deployments/${RELEASE}-splitguard`)).rejects.toThrow(
      /404|not found/i,
    );
    await get("/apis/apiextensions.k8s.io/v1/customresourcedefinitions/failoverservices.splitguard.io");
    expect((await get(FS(NS, "db"))).metadata.name).toBe("db");
  });
});

interface PodSpec {
  serviceAccountName: string;
  containers: {
    args: string[];
    volumeMounts: { name: string; mountPath: string }[];
    livenessProbe: { httpGet: { path: string } };
    readinessProbe: { httpGet: { path: string } };
  }[];
  volumes: {
    name: string;
    configMap?: { name: string };
    secret?: { secretName: string; items?: { key: string; path: string }[] };
  }[];
}

/**
 * The Deployment's arguments with the pod's paths and addresses mapped to this machine: the config
 * file to its copy here, the listeners to free loopback ports. A `splitguard controller` that does
 * not know --config yet (before the live controller is merged: it took --region only) gets the
 * region the rendered configuration names instead; the test prints which form ran.
 */
function controllerArgs(
  deployArgs: readonly string[],
  configFile: string,
  region: string,
  dnsPort: number,
  metricsPort: number,
): string[] {
  const help = execFileSync(process.execPath, [BIN, "controller", "--help"], { encoding: "utf8" });
  if (!help.includes("--config")) {
    console.log("splitguard controller has no --config yet: started with --region from the rendered config");
    return ["controller", "--region", region, "--lease-duration", argValue(deployArgs, "--lease-duration")];
  }
  const map: Record<string, string> = {
    "/etc/splitguard/splitguard.yaml": configFile,
    "0.0.0.0:5353": `127.0.0.1:${dnsPort}`,
    "0.0.0.0:9153": `127.0.0.1:${metricsPort}`,
  };
  const out = deployArgs.map((a) => map[a] ?? a);
  for (const original of Object.keys(map)) expect(deployArgs).toContain(original);
  return out;
}

function argValue(args: readonly string[], flag: string): string {
  const i = args.indexOf(flag);
  expect(i).toBeGreaterThanOrEqual(0);
  return args[i + 1]!;
}

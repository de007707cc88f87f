// The chart checked by the real tools (built from their Go modules by scripts/chart-tools.sh):
// helm lint, helm template piped to kubeconform -strict with schemas made from pinned sources,
// values rejected by values.schema.json with the field named, and the rendered objects' content.
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import yaml from "js-yaml";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { formatPath, parseConfigText } from "../../src/config/load.ts";
import { ConfigSchema } from "../../src/config/schema.ts";
import { chartRbacRules } from "../../src/kube/chart-render.ts";
import type { KubeObject } from "../../src/kube/kube-client.ts";
import { CHART, EXAMPLE_VALUES, Helm, kubeconform, prepareSchemas } from "./support/chart-tools.ts";

const pkg = JSON.parse(readFileSync(join(CHART, "../../package.json"), "utf8")) as { version: string };

let helm: Helm;
let schemaDir: string;
let schemaLocation: string;
/** Every optional template switched on (the ServiceMonitor, TSIG mounts, egress rules...). */
const ALL_ON = [
  "--set",
  "metrics.serviceMonitor.enabled=true",
  "--set",
  "prometheusRule.enabled=true",
  "--set",
  "grafanaDashboard.enabled=true",
  "--set",
  "tsigKeys[0].existingSecret=lease.tsig",
  "--set-json",
  'networkPolicy.egress=[{"ports":[{"port":53,"protocol":"UDP"}]}]',
  "--set-json",
  'networkPolicy.dnsFrom=[{"ipBlock":{"cidr":"0.0.0.0/0"}}]',
];

interface Container {
  image: string;
  args: string[];
  ports: { name: string; containerPort: number; protocol: string }[];
  securityContext: Record<string, unknown>;
  resources: { requests: Record<string, string> };
  livenessProbe: { httpGet: Record<string, unknown> };
  readinessProbe: { httpGet: Record<string, unknown> };
  volumeMounts: { name: string; mountPath: string }[];
}
interface DeploymentSpec {
  replicas: number;
  strategy: { rollingUpdate: Record<string, unknown> };
  template: {
    spec: {
      securityContext: Record<string, unknown>;
      containers: Container[];
      volumes: { name: string; secret?: { secretName: string; items?: unknown[] } }[];
    };
  };
}
interface ServiceSpec {
  type: string;
  externalTrafficPolicy?: string;
  ports: { name: string; port: number; targetPort: string; protocol: string }[];
}
interface NetworkPolicySpec {
  policyTypes: string[];
  ingress: { ports: unknown[]; from?: unknown[] }[];
}
const deploymentSpec = (objs: KubeObject[]) => find(objs, "Deployment")!.spec as DeploymentSpec;

type Json = Record<string, unknown>;
/** Helm's merge of values: maps merge key by key, anything else (lists too) is replaced. */
function merge(a: Json, b: Json): Json {
  const out: Json = { ...a };
  for (const [k, v] of Object.entries(b)) {
    const prev = out[k];
    const isMap = (x: unknown): x is Json => !!x && typeof x === "object" && !Array.isArray(x);
    out[k] = isMap(prev) && isMap(v) ? merge(prev, v) : v;
  }
  return out;
}

const find = (objs: KubeObject[], kind: string, suffix = "") =>
  objs.find((o) => o.kind === kind && o.metadata.name.endsWith(suffix));

beforeAll(() => {
  helm = new Helm();
  schemaDir = mkdtempSync(join(tmpdir(), "splitguard-schemas-"));
  // Schemas for every built-in kind the chart renders, with everything switched on.
  const kinds = helm
    .template([...ALL_ON, "--include-crds"])
    .map((o) => ({ apiVersion: o.apiVersion ?? "", kind: o.kind ?? "" }));
  schemaLocation = prepareSchemas(schemaDir, kinds);
}, 120_000);
afterAll(() => {
  helm?.remove();
  if (schemaDir) rmSync(schemaDir, { recursive: true, force: true });
});

describe("helm lint", () => {
  it("passes --strict with the example values", () => {
    const r = helm.run(["lint", CHART, "--strict", "-f", EXAMPLE_VALUES]);
    expect(r.stdout + r.stderr).toMatch(/1 chart\(s\) linted, 0 chart\(s\) failed/);
    expect(r.code).toBe(0);
  });
  it("fails without the values that have no default, naming each", () => {
    const r = helm.run(["lint", CHART]);
    expect(r.code).not.toBe(0);
    const out = r.stdout + r.stderr;
    for (const field of ["zone", "region", "regions"]) expect(out).toContain(`'${field}'`);
    expect(out).toContain("at '/heartbeatKey/existingSecret'");
  });
});

describe("helm template | kubeconform -strict", () => {
  // The kinds each variant must render at least; the alerts' PrometheusRule (written on another
  // branch of issue 7) joins the second once its template is in the chart.
  const base = ["ConfigMap", "Deployment", "Role", "RoleBinding", "Service", "ServiceAccount"];
  const alerts = existsSync(join(CHART, "templates/prometheusrule.yaml")) ? ["PrometheusRule"] : [];
  for (const [name, extra, kinds] of [
    [
      "defaults, with the CRDs",
      ["--include-crds"],
      [...base, "CustomResourceDefinition", "NetworkPolicy", "PodDisruptionBudget"],
    ],
    [
      "every optional template on",
      ALL_ON,
      [...base, "NetworkPolicy", "PodDisruptionBudget", "ServiceMonitor", ...alerts],
    ],
    [
      "DNS Service as NodePort, no NetworkPolicy, no PDB",
      [
        "--set",
        "dnsService.type=NodePort",
        "--set",
        "networkPolicy.enabled=false",
        "--set",
        "podDisruptionBudget.enabled=false",
      ],
      base,
    ],
  ] as [string, string[], string[]][])
    it(`${name}: every object valid`, () => {
      const text = helm.run(["template", "sg", CHART, "-n", "gslb", "-f", EXAMPLE_VALUES, ...extra]);
      expect(text.code, text.stderr).toBe(0);
      const r = kubeconform(schemaLocation, text.stdout);
      expect(r.code, r.raw).toBe(0);
      expect(r.summary.invalid + r.summary.errors + r.summary.skipped, r.raw).toBe(0);
      expect(r.summary.valid).toBe(yaml.loadAll(text.stdout).filter(Boolean).length);
      const validated = new Set(r.resources.filter((x) => x.status === "statusValid").map((x) => x.kind));
      expect([...validated].sort()).toEqual(expect.arrayContaining(kinds));
    });

  it("the schemas are strict: an unknown field or a wrong type is reported (control)", () => {
    const objs = helm.template(ALL_ON);
    const dep = structuredClone(find(objs, "Deployment")!);
    (dep.spec as Record<string, unknown>).replica = 2;
    const sm = structuredClone(find(objs, "ServiceMonitor")!);
    (sm.spec as { endpoints: Record<string, unknown>[] }).endpoints[0]!.intervall = "30s";
    const svc = structuredClone(find(objs, "Service", "-dns")!);
    (svc.spec as { ports: Record<string, unknown>[] }).ports[0]!.port = "fifty-three";
    const r = kubeconform(schemaLocation, [dep, sm, svc].map((o) => yaml.dump(o)).join("---\n"));
    expect(r.code).not.toBe(0);
    expect(r.summary.invalid, r.raw).toBe(3);
    expect(r.raw).toContain("replica");
    expect(r.raw).toContain("intervall");
  });
});

describe("a wrong value fails helm template with the field named", () => {
  const cases: [string, string[], RegExp][] = [
    [
      "a probe interval that is not a number",
      ["--set", "config.probe.interval=fast"],
      /config\/probe\/interval/,
    ],
    ["an unknown safety mode", ["--set", "config.safety=optimistic"], /config\/safety/],
    ["a misspelt config key", ["--set", "config.failover.promoteAftr=300"], /config\/failover.*promoteAftr/],
    ["an upper-case region name", ["--set", "config.region=EU"], /config\/region/],
    ["a negative TTL", ["--set", "config.ttl=-1"], /config\/ttl/],
    ["an unknown host strategy", ["--set", "config.hosts[0].strategy=random"], /config\/hosts\/0\/strategy/],
    ["too few lease witnesses", ["--set-json", 'config.lease={"witnesses":[]}'], /config\/lease\/witnesses/],
    ["an unknown DNS Service type", ["--set", "dnsService.type=ExternalName"], /dnsService\/type/],
    ["zero replicas", ["--set", "replicaCount=0"], /replicaCount/],
    ["an unknown chart key", ["--set", "replicas=3"], /replicas/],
    ["no heartbeat Secret", ["--set", "heartbeatKey.existingSecret="], /heartbeatKey\/existingSecret/],
  ];
  for (const [what, args, field] of cases)
    it(what, () => {
      const r = helm.run(["template", "sg", CHART, "-f", EXAMPLE_VALUES, ...args]);
      expect(r.code).not.toBe(0);
      expect(r.stderr).toMatch(/values don't meet the specifications of the schema/);
      expect(r.stderr).toMatch(field);
    });
});

describe("cross-field rules: helm and the loader name the same field", () => {
  // templates/_validate.tpl repeats the loader's cross-field rules; each bad configuration goes
  // through both, and both must reject it naming the same path (or both accept it).
  const values = yaml.load(readFileSync(join(CHART, "values.yaml"), "utf8")) as { config: Json };
  const example = yaml.load(readFileSync(EXAMPLE_VALUES, "utf8")) as { config: Json };
  const base = merge(values.config, example.config);
  const host = (extra: Json) => ({ hosts: [merge((base.hosts as Json[])[0]!, extra)] });
  const cases: [string, Json, string | undefined][] = [
    ["the example", {}, undefined],
    ["region not among regions", { region: "ap" }, "region"],
    [
      "a region listed twice",
      { regions: [...(base.regions as Json[]), { name: "eu", nameservers: ["192.0.2.54"] }] },
      "regions[2].name",
    ],
    ["targets in an unknown region", host({ targets: { ap: ["203.0.113.1"] } }), "hosts[0].targets.ap"],
    ["primary in an unknown region", host({ primary: "ap" }), "hosts[0].primary"],
    [
      "a failover host without primary",
      { hosts: [{ name: "db", strategy: "failover", targets: {} }] },
      "hosts[0].primary",
    ],
    ["probe timeout not below the interval", { probe: { timeout: 5 } }, "probe.timeout"],
    [
      "promoteAfter just below the fencing rule (84 s)",
      { failover: { promoteAfter: 83.5 } },
      "failover.promoteAfter",
    ],
    ["promoteAfter exactly at the fencing rule", { failover: { promoteAfter: 84 } }, undefined],
    [
      "a slower probe raises the bound",
      { probe: { interval: 10, timeout: 4.5 }, failover: { promoteAfter: 98 } },
      "failover.promoteAfter",
    ],
    ["safety lease without a lease section", { safety: "lease" }, "lease"],
  ];
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), "splitguard-values-"));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  for (const [i, [what, change, path]] of cases.entries())
    it(`${what}: ${path ?? "accepted"}`, () => {
      const config = merge(base, change);
      const loader = ConfigSchema.safeParse(config);
      const loaderPaths = loader.success ? [] : loader.error.issues.map((x) => formatPath(x.path));
      expect(loaderPaths).toEqual(path ? [path] : []);
      const file = join(dir, `values-${i}.json`);
      writeFileSync(file, JSON.stringify({ config }));
      const r = helm.run(["template", "sg", CHART, "-f", EXAMPLE_VALUES, "-f", file]);
      if (path === undefined) expect(r.code, r.stderr).toBe(0);
      else {
        expect(r.code).not.toBe(0);
        expect(r.stderr).toContain(`: config.${path}: `);
      }
    });
});

describe("rendered objects", () => {
  let objs: KubeObject[];
  beforeAll(() => {
    objs = helm.template();
  });

  it("the Role's rules are src/kube/rbac.ts's, and nothing is cluster-scoped", () => {
    expect(find(objs, "Role")!.rules).toEqual(chartRbacRules());
    expect(objs.map((o) => o.kind)).not.toContain("ClusterRole");
    expect(objs.map((o) => o.kind)).not.toContain("ClusterRoleBinding");
    const binding = find(objs, "RoleBinding")!;
    expect(binding.subjects).toEqual([{ kind: "ServiceAccount", name: "sg-splitguard", namespace: "gslb" }]);
  });

  it("the Deployment: 2 replicas, the controller's command, non-root, read-only root, requests, probes", () => {
    const dep = { spec: deploymentSpec(objs) };
    expect(dep.spec.replicas).toBe(2);
    const pod = dep.spec.template.spec;
    const c = pod.containers[0]!;
    expect(c.image).toBe(`ghcr.io/splitguard/splitguard:${pkg.version}`);
    expect(c.args.slice(0, 7)).toEqual([
      "controller",
      "--config",
      "/etc/splitguard/splitguard.yaml",
      "--listen",
      "0.0.0.0:5353",
      "--metrics",
      "0.0.0.0:9153",
    ]);
    expect(pod.securityContext).toMatchObject({ runAsNonRoot: true, runAsUser: 10001 });
    expect(c.securityContext).toMatchObject({
      readOnlyRootFilesystem: true,
      allowPrivilegeEscalation: false,
      capabilities: { drop: ["ALL"] },
    });
    expect(c.resources.requests).toEqual({ cpu: "100m", memory: "128Mi" });
    expect(c.livenessProbe.httpGet).toEqual({ path: "/healthz", port: "metrics" });
    expect(c.readinessProbe.httpGet).toEqual({ path: "/readyz", port: "metrics" });
    expect(c.ports.find((p) => p.name === "metrics")?.containerPort).toBe(9153);
    const mounts = Object.fromEntries(
      c.volumeMounts.map((m: { name: string; mountPath: string }) => [m.name, m.mountPath]),
    );
    expect(mounts).toMatchObject({
      config: "/etc/splitguard",
      "heartbeat-key": "/etc/splitguard/heartbeat",
      tmp: "/tmp",
    });
    const hb = pod.volumes.find((v) => v.name === "heartbeat-key")?.secret;
    expect(hb).toMatchObject({
      secretName: "splitguard-heartbeat",
      items: [{ key: "heartbeat.key", path: "heartbeat.key" }],
    });
    expect(dep.spec.strategy.rollingUpdate).toEqual({ maxSurge: 1, maxUnavailable: 0 });
  });

  it("every object name is a DNS label of at most 63 characters, also for a long release name", () => {
    const long = helm.template(["--set", `fullnameOverride=${"x".repeat(70)}`, ...ALL_ON]);
    for (const o of long) expect(o.metadata.name).toMatch(/^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/);
    const services = long.filter((o) => o.kind === "Service").map((o) => o.metadata.name);
    expect(new Set(services).size).toBe(2);
  });

  it("the image tag follows image.tag and image.digest when set", () => {
    const img = (args: string[]) => deploymentSpec(helm.template(args)).template.spec.containers[0]!.image;
    expect(img(["--set", "image.tag=0.2.0-rc1"])).toBe("ghcr.io/splitguard/splitguard:0.2.0-rc1");
    const digest = `sha256:${"a".repeat(64)}`;
    expect(img(["--set", `image.digest=${digest}`])).toBe(`ghcr.io/splitguard/splitguard@${digest}`);
  });

  it("the DNS Service: UDP and TCP on 53 to 5353, LoadBalancer with Local traffic policy by default, configurable", () => {
    const svc = find(objs, "Service", "-dns")!.spec as ServiceSpec;
    expect(svc.type).toBe("LoadBalancer");
    expect(svc.externalTrafficPolicy).toBe("Local");
    expect(svc.ports).toEqual([
      { name: "dns-udp", port: 53, targetPort: "dns-udp", protocol: "UDP" },
      { name: "dns-tcp", port: 53, targetPort: "dns-tcp", protocol: "TCP" },
    ]);
    const dep = deploymentSpec(objs);
    const ports = dep.template.spec.containers[0]!.ports;
    expect(ports.filter((p) => p.containerPort === 5353).map((p) => p.protocol)).toEqual(["UDP", "TCP"]);
    const other = find(
      helm.template(["--set", "dnsService.type=ClusterIP", "--set", "dnsService.port=5300"]),
      "Service",
      "-dns",
    )!.spec as ServiceSpec;
    expect(other.type).toBe("ClusterIP");
    expect(other.externalTrafficPolicy).toBeUndefined();
    expect(other.ports.map((p) => p.port)).toEqual([5300, 5300]);
  });

  it("the ConfigMap holds a configuration the product's loader accepts, with the chart's defaults", () => {
    const cm = find(objs, "ConfigMap")!.data as Record<string, string>;
    const config = parseConfigText(cm["splitguard.yaml"]!, "ConfigMap splitguard.yaml");
    expect(config).toMatchObject({
      zone: "gslb.example.com",
      region: "eu",
      heartbeatKeyFile: "heartbeat/heartbeat.key",
      witnesses: ["8.8.8.8", "1.1.1.1", "9.9.9.9"],
      probe: { interval: 5 },
      failover: { promoteAfter: 300 },
      ttl: 30,
      rateLimit: { enabled: true },
    });
  });

  it("optional objects: no ServiceMonitor by default; PDB and NetworkPolicy on by default", () => {
    const kinds = objs.map((o) => o.kind);
    expect(kinds).not.toContain("ServiceMonitor");
    expect(kinds).toContain("PodDisruptionBudget");
    expect(find(objs, "PodDisruptionBudget")!.spec).toMatchObject({ minAvailable: 1 });
    const np = find(objs, "NetworkPolicy")!.spec as NetworkPolicySpec;
    expect(np.policyTypes).toEqual(["Ingress"]);
    expect(np.ingress[0]!.ports).toEqual([
      { port: 5353, protocol: "UDP" },
      { port: 5353, protocol: "TCP" },
    ]);
    expect(np.ingress[0]!.from).toBeUndefined();
    expect(np.ingress[1]).toEqual({
      ports: [{ port: 9153, protocol: "TCP" }],
      from: [{ namespaceSelector: {} }],
    });
    const on = helm.template(ALL_ON);
    expect(find(on, "ServiceMonitor")).toBeDefined();
    const vols = deploymentSpec(on).template.spec.volumes;
    // A Secret name with a dot: the volume is named by index (volume names are DNS labels).
    expect(vols.find((v) => v.name === "tsig-0")?.secret?.secretName).toBe("lease.tsig");
    const mounts = deploymentSpec(on).template.spec.containers[0]!.volumeMounts;
    expect(mounts.find((m) => m.name === "tsig-0")?.mountPath).toBe("/etc/splitguard/tsig/lease.tsig");
  });
});

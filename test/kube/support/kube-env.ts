// A real etcd + kube-apiserver on loopback for the `kube` tier, one pair per test file. The binaries
// come from scripts/kube-tools.sh (built from their Go modules, cached outside the clone); the
// upstream CRDs (CNPG Cluster v1.30.0, Gateway API standard v1.6.1) come from the Go module cache
// via `go mod download -json`, never from a checked-in copy. Certificates and the static token file
// are generated per environment with openssl; stop() kills both processes and removes the temp dir,
// and is safe to call twice (afterAll calls it also when a test failed).
import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { homedir, tmpdir } from "node:os";
import { join } from "node:path";
import yaml from "js-yaml";
import { KubeClient, type KubeObject } from "../../../src/kube/kube-client.ts";
import { freePort } from "../../support/dns-client.ts";

export const KUBE_VERSION = process.env.SPLITGUARD_KUBE_VERSION ?? "v1.36.3";
export const ETCD_VERSION = process.env.SPLITGUARD_ETCD_VERSION ?? "v3.6.16";
export const CNPG_MODULE = "github.com/cloudnative-pg/cloudnative-pg@v1.30.0";
export const GATEWAY_MODULE = "sigs.k8s.io/gateway-api@v1.6.1";

const cacheDir = () => process.env.SPLITGUARD_TOOLS_CACHE ?? join(homedir(), ".cache", "splitguard", "tools");

export function toolPath(name: "kube-apiserver" | "etcd"): string {
  const version = name === "etcd" ? ETCD_VERSION : KUBE_VERSION;
  const p = join(cacheDir(), `${name}-${version}`, name);
  if (!existsSync(p))
    throw new Error(`${p} is missing: run scripts/kube-tools.sh (or scripts/test.sh with the kube tier)`);
  return p;
}

/** The directory of a Go module in the module cache (downloaded if missing). */
export function goModuleDir(moduleAtVersion: string): string {
  const out = execFileSync("go", ["mod", "download", "-json", moduleAtVersion], {
    encoding: "utf8",
    timeout: 120_000,
  });
  const dir = (JSON.parse(out) as { Dir?: string }).Dir;
  if (!dir) throw new Error(`go mod download ${moduleAtVersion}: no Dir in ${out}`);
  return dir;
}

/** Every CustomResourceDefinition document in the given YAML files. */
export function readCrds(files: readonly string[]): KubeObject[] {
  const out: KubeObject[] = [];
  for (const f of files)
    for (const doc of yaml.loadAll(readFileSync(f, "utf8")))
      if (doc && (doc as KubeObject).kind === "CustomResourceDefinition") out.push(doc as KubeObject);
  return out;
}

export function upstreamCrdFiles(): string[] {
  const cnpg = join(goModuleDir(CNPG_MODULE), "config/crd/bases/postgresql.cnpg.io_clusters.yaml");
  const gwDir = join(goModuleDir(GATEWAY_MODULE), "config/crd/standard");
  const gw = readdirSync(gwDir)
    .filter((f) => f.startsWith("gateway.networking.k8s.io_") && f.endsWith(".yaml"))
    .map((f) => join(gwDir, f));
  return [cnpg, ...gw];
}

export function projectCrdFiles(): string[] {
  const dir = join(import.meta.dirname, "../../../charts/splitguard/crds");
  return readdirSync(dir)
    .filter((f) => f.endsWith(".yaml"))
    .map((f) => join(dir, f));
}

export interface KubeEnv {
  readonly server: string;
  readonly ca: string;
  /** system:masters token. */
  readonly adminToken: string;
  readonly admin: KubeClient;
  readonly dir: string;
  /** Milliseconds from spawning etcd to /readyz answering ok. */
  readonly startMs: number;
  /** A client for a token listed in the token file (no groups: RBAC decides). */
  client(token: string): KubeClient;
  /** Tokens for plain users, created at start: user name -> token. */
  readonly userTokens: Readonly<Record<string, string>>;
  /** A kubeconfig file for the admin (for CLI tests). */
  kubeconfig(token?: string): string;
  installCrds(crds: readonly KubeObject[]): Promise<void>;
  /** Kill kube-apiserver only (watch connections drop), then start it again on the same port. */
  restartApiserver(): Promise<void>;
  stop(): Promise<void>;
  logs(): string;
}

export interface KubeEnvOptions {
  readonly users?: readonly string[];
  readonly authorizationMode?: "RBAC" | "AlwaysAllow";
  /**
   * The address kube-apiserver binds to and advertises (default 127.0.0.1); it is added to the
   * serving certificate's SANs. The e2e tier binds it on the management link's root-side address
   * so processes in network namespaces reach it. etcd stays on 127.0.0.1.
   */
  readonly bindAddress?: string;
}

function openssl(dir: string, args: string[]): void {
  execFileSync("openssl", args, { cwd: dir, stdio: "pipe", timeout: 30_000 });
}

function makeCerts(dir: string, bindAddress: string): void {
  const ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"];
  openssl(dir, [
    "req",
    "-x509",
    ...ec,
    "-keyout",
    "ca.key",
    "-out",
    "ca.crt",
    "-days",
    "2",
    "-subj",
    "/CN=sg-ca",
  ]);
  openssl(dir, [
    "req",
    ...ec,
    "-keyout",
    "apiserver.key",
    "-out",
    "apiserver.csr",
    "-subj",
    "/CN=kube-apiserver",
  ]);
  writeFileSync(
    join(dir, "san.ext"),
    `subjectAltName=IP:127.0.0.1,${bindAddress === "127.0.0.1" ? "" : `IP:${bindAddress},`}DNS:localhost,DNS:kubernetes.default.svc\n`,
  );
  const sign = ["-CA", "ca.crt", "-CAkey", "ca.key", "-CAcreateserial", "-days", "2", "-extfile", "san.ext"];
  openssl(dir, ["x509", "-req", "-in", "apiserver.csr", ...sign, "-out", "apiserver.crt"]);
  openssl(dir, ["genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-out", "sa.key"]);
  openssl(dir, ["pkey", "-in", "sa.key", "-pubout", "-out", "sa.pub"]);
}

async function waitFor(what: string, deadlineMs: number, probe: () => Promise<boolean>, logs: () => string) {
  const end = Date.now() + deadlineMs;
  while (Date.now() < end) {
    if (await probe().catch(() => false)) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${what} not ready within ${deadlineMs} ms\n${logs().slice(-4000)}`);
}

function kill(p: ChildProcess | undefined, ms = 5000): Promise<void> {
  if (!p || p.exitCode !== null || p.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const t = setTimeout(() => p.kill("SIGKILL"), ms);
    p.once("exit", () => {
      clearTimeout(t);
      resolve();
    });
    p.kill("SIGTERM");
  });
}

export async function startKubeEnv(opts: KubeEnvOptions = {}): Promise<KubeEnv> {
  const t0 = Date.now();
  const etcdBin = toolPath("etcd");
  const apiBin = toolPath("kube-apiserver");
  const dir = mkdtempSync(join(tmpdir(), "splitguard-kube-"));
  let etcd: ChildProcess | undefined;
  let api: ChildProcess | undefined;
  let log = "";
  const append = (who: string) => (b: Buffer) => {
    log += b
      .toString("utf8")
      .split("\n")
      .map((l) => (l ? `[${who}] ${l}` : l))
      .join("\n");
    if (log.length > 400_000) log = log.slice(-200_000);
  };
  const stopAll = async () => {
    await kill(api);
    await kill(etcd);
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    const bind = opts.bindAddress ?? "127.0.0.1";
    makeCerts(dir, bind);
    const adminToken = randomBytes(16).toString("hex");
    const userTokens: Record<string, string> = {};
    const lines = [`${adminToken},admin,admin-uid,"system:masters"`];
    for (const u of opts.users ?? []) {
      userTokens[u] = randomBytes(16).toString("hex");
      lines.push(`${userTokens[u]},${u},${u}-uid`);
    }
    writeFileSync(join(dir, "tokens.csv"), `${lines.join("\n")}\n`);

    const etcdPort = await freePort("127.0.0.1");
    const peerPort = await freePort("127.0.0.1");
    const apiPort = await freePort("127.0.0.1");
    etcd = spawn(
      etcdBin,
      [
        "--name=default",
        `--data-dir=${join(dir, "etcd")}`,
        `--listen-client-urls=http://127.0.0.1:${etcdPort}`,
        `--advertise-client-urls=http://127.0.0.1:${etcdPort}`,
        `--listen-peer-urls=http://127.0.0.1:${peerPort}`,
        `--initial-advertise-peer-urls=http://127.0.0.1:${peerPort}`,
        `--initial-cluster=default=http://127.0.0.1:${peerPort}`,
        "--unsafe-no-fsync", // test data only: no fsync makes writes fast on a shared disk
        "--log-level=warn",
      ],
      { stdio: ["ignore", "pipe", "pipe"] },
    );
    etcd.stdout?.on("data", append("etcd"));
    etcd.stderr?.on("data", append("etcd"));
    await waitFor(
      "etcd",
      30_000,
      async () => (await fetch(`http://127.0.0.1:${etcdPort}/health`)).ok,
      () => log,
    );

    const server = `https://${bind}:${apiPort}`;
    const apiArgs = [
      `--etcd-servers=http://127.0.0.1:${etcdPort}`,
      `--bind-address=${bind}`,
      `--advertise-address=${bind}`,
      `--secure-port=${apiPort}`,
      `--cert-dir=${join(dir, "certs")}`,
      `--tls-cert-file=${join(dir, "apiserver.crt")}`,
      `--tls-private-key-file=${join(dir, "apiserver.key")}`,
      `--token-auth-file=${join(dir, "tokens.csv")}`,
      `--authorization-mode=${opts.authorizationMode ?? "RBAC"}`,
      "--service-account-issuer=https://kubernetes.default.svc",
      `--service-account-key-file=${join(dir, "sa.pub")}`,
      `--service-account-signing-key-file=${join(dir, "sa.key")}`,
      "--service-cluster-ip-range=10.96.0.0/24",
      // No controller-manager runs, so nothing creates the `default` ServiceAccount that this
      // plugin would require for every pod the tests create.
      "--disable-admission-plugins=ServiceAccount",
      "--enable-priority-and-fairness=false",
      "--v=0",
    ];
    const startApi = () => {
      api = spawn(apiBin, apiArgs, { stdio: ["ignore", "pipe", "pipe"] });
      api.stdout?.on("data", append("apiserver"));
      api.stderr?.on("data", append("apiserver"));
    };
    startApi();
    const ca = readFileSync(join(dir, "ca.crt"), "utf8");
    const admin = new KubeClient({ server, ca, token: adminToken });
    const ready = () =>
      waitFor(
        "kube-apiserver",
        120_000,
        async () => (await admin.request<string>("GET", "/readyz", undefined, "", "text/plain")) === "ok",
        () => log,
      );
    await ready();
    const startMs = Date.now() - t0;

    const env: KubeEnv = {
      server,
      ca,
      adminToken,
      admin,
      dir,
      startMs,
      userTokens,
      client: (token) => new KubeClient({ server, ca, token }),
      kubeconfig(token = adminToken) {
        const file = join(dir, `kubeconfig-${randomBytes(4).toString("hex")}`);
        writeFileSync(
          file,
          yaml.dump({
            apiVersion: "v1",
            kind: "Config",
            clusters: [{ name: "test", cluster: { server, "certificate-authority": join(dir, "ca.crt") } }],
            users: [{ name: "test", user: { token } }],
            contexts: [{ name: "test", context: { cluster: "test", user: "test" } }],
            "current-context": "test",
          }),
        );
        return file;
      },
      async installCrds(crds) {
        for (const crd of crds) {
          await admin.create("/apis/apiextensions.k8s.io/v1/customresourcedefinitions", crd);
        }
        for (const crd of crds) {
          const path = `/apis/apiextensions.k8s.io/v1/customresourcedefinitions/${crd.metadata.name}`;
          await waitFor(
            `CRD ${crd.metadata.name} Established`,
            30_000,
            async () => {
              const c = await admin.get<{ status?: { conditions?: { type: string; status: string }[] } }>(
                path,
              );
              return !!c.status?.conditions?.some((x) => x.type === "Established" && x.status === "True");
            },
            () => log,
          );
        }
      },
      async restartApiserver() {
        await kill(api);
        startApi();
        await ready();
      },
      stop: stopAll,
      logs: () => log,
    };
    return env;
  } catch (e) {
    await stopAll();
    throw e;
  }
}

/** Start an environment with the upstream CRDs (all, or those `keep` selects) and splitguard's. */
export async function startKubeEnvWithCrds(
  keep: (crd: KubeObject) => boolean = () => true,
  opts: KubeEnvOptions = { users: ["splitguard"] },
): Promise<KubeEnv> {
  const env = await startKubeEnv(opts);
  try {
    const t0 = Date.now();
    await env.installCrds([...readCrds(upstreamCrdFiles()).filter(keep), ...readCrds(projectCrdFiles())]);
    console.log(
      `etcd + kube-apiserver ready in ${env.startMs} ms; CRDs Established in ${Date.now() - t0} ms`,
    );
    return env;
  } catch (e) {
    await env.stop();
    throw e;
  }
}

import { defineConfig } from "vitest/config";

// Test tiers. `unit` is pure and fast; `dns` starts real servers (NSD, dig, kdig) on loopback
// and needs the Debian packages that scripts/test.sh provisions.
export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: "unit",
          include: ["test/unit/**/*.test.ts"],
          testTimeout: 20_000,
        },
      },
      {
        test: {
          // Property-based partition simulations (bounded run count on every CI run).
          name: "sim",
          include: ["test/sim/**/*.test.ts"],
          testTimeout: 600_000,
        },
      },
      {
        test: {
          // RFC 2136 lease witnesses against real BIND 9 and Knot on loopback.
          name: "lease",
          include: ["test/lease/**/*.test.ts"],
          testTimeout: 120_000,
          hookTimeout: 120_000,
          fileParallelism: false,
        },
      },
      {
        test: {
          // The prober against three real unbound witnesses and real responders on 127.0.0.x:53.
          name: "witness",
          include: ["test/witness/**/*.test.ts"],
          testTimeout: 180_000,
          hookTimeout: 120_000,
        },
      },
      {
        test: {
          // A real etcd + kube-apiserver per file (built by scripts/kube-tools.sh, cached outside the clone).
          name: "kube",
          include: ["test/kube/**/*.test.ts"],
          testTimeout: 120_000,
          hookTimeout: 240_000,
          fileParallelism: false,
        },
      },
      {
        test: {
          // The Helm chart with helm and kubeconform built from their Go modules
          // (scripts/chart-tools.sh), installed into a real kube-apiserver like the kube tier's.
          name: "chart",
          include: ["test/chart/**/*.test.ts"],
          testTimeout: 120_000,
          hookTimeout: 240_000,
          fileParallelism: false,
        },
      },
      {
        test: {
          // Operations: promtool on the alert rules and the metrics, a real Alertmanager on
          // loopback for notifications, the runbooks' commands and manifests.
          name: "ops",
          include: ["test/ops/**/*.test.ts"],
          testTimeout: 60_000,
          hookTimeout: 60_000,
        },
      },
      {
        test: {
          // End-to-end: network namespaces, veth links through a core router, iptables faults (root).
          name: "e2e",
          include: ["test/e2e/**/*.test.ts"],
          testTimeout: 300_000,
          hookTimeout: 120_000,
          fileParallelism: false,
        },
      },
      {
        test: {
          name: "dns",
          include: ["test/dns/**/*.test.ts"],
          testTimeout: 120_000,
          hookTimeout: 120_000,
          fileParallelism: false,
        },
      },
    ],
  },
});

import { defineConfig } from "vitest/config";

// Test tiers. `unit` is pure and fast; `dns` starts real servers (NSD, dig, kdig) on loopback
// and needs the Debian packages that scripts/test.sh provisions.
export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: "unit",
          include: ["test/unit/**/*.test.ts", "machines/**/*.test.ts", "simulations/**/*.test.ts"],
          testTimeout: 20_000,
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

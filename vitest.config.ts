import { defineConfig } from "vitest/config";

// Tests drive real parts (Docker, kubectl, git, SQLite, etcd): generous timeouts, and few files at
// once, since these machines have two cores.
export default defineConfig({
  test: {
    include: ["**/*.test.ts"],
    exclude: ["node_modules/**", "dist/**", ".kubelab/**"],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    pool: "forks",
    maxWorkers: 2,
    reporters: ["default", "./test/summary-reporter.ts"],
  },
});

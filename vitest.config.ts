import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: [
      "packages/*/test/**/*.test.ts",
      "apps/*/test/**/*.test.ts",
      "actions/test/**/*.test.ts",
      "bench/test/**/*.test.ts",
      "infra/test/**/*.test.ts",
      "test/**/*.test.ts",
    ],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: "forks",
    globalSetup: ["scripts/vitest-temp-dir.ts"],
    // the AWS SDK's notice that its 2027 releases need Node 22 is for users, not for test logs
    env: { AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: "true" },
  },
});

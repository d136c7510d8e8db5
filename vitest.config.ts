import { defineConfig } from "vitest/config"

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts", "property-tests/**/*.test.ts"],
    testTimeout: 30_000,
    hookTimeout: 30_000,
    pool: "forks",
    reporters: ["default"],
    // Module files are imported by Node itself, as in production (see src/modules/importFile.ts).
    server: { deps: { external: [/src\/modules\/importFile\.ts$/] } }
  }
})

import pkg from "../package.json" with { type: "json" };

/** The version in the CLI package's package.json (bundled into the actions by esbuild). */
export const VERSION: string = pkg.version;

/* eslint-disable @typescript-eslint/no-explicit-any -- rendered YAML is read back untyped */
// The rendered CA bundle does what it is for: a Node.js process with the pod's NODE_EXTRA_CA_CERTS
// trusts a server whose certificate a private CA signed (as Yandex's managed ClickHouse and Redis
// present), and without it refuses the connection.
import { execFileSync, spawn } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:https";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { parse } from "yaml";
import { renderManifests } from "../src/index.js";
import { committedConfig, committedLock } from "./fixtures.js";
import { itWith } from "./tools.js";

const config = committedConfig();
const { files } = renderManifests(committedLock(), config);
const rollout = parse(files.get("argocd/envs/staging/co2-forecast/rollout.yaml")!);
const cronJob = parse(files.get("argocd/envs/staging/co2-forecast/cronjob-monitor.yaml")!);
const dir = mkdtempSync(join(tmpdir(), "lockstep-ca-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("the CA bundle", () => {
  it("mounts the ConfigMap read-only and names it in NODE_EXTRA_CA_CERTS, in servers and monitor Jobs; previews get none", () => {
    for (const spec of [rollout.spec.template.spec, cronJob.spec.jobTemplate.spec.template.spec]) {
      const container = spec.containers[0];
      expect(container.env).toContainEqual({ name: "NODE_EXTRA_CA_CERTS", value: "/etc/lockstep/ca/ca.pem" });
      expect(container.volumeMounts).toContainEqual({
        name: "ca-bundle",
        mountPath: "/etc/lockstep/ca",
        readOnly: true,
      });
      expect(spec.volumes).toContainEqual({
        name: "ca-bundle",
        configMap: { name: "yandex-internal-ca", items: [{ key: "ca.pem", path: "ca.pem" }] },
      });
    }
    const preview = parse(files.get("argocd/previews/co2-forecast/rollout.yaml")!);
    expect(JSON.stringify(preview)).not.toContain("NODE_EXTRA_CA_CERTS");
  });

  itWith("openssl")(
    "a process with the pod's environment trusts the private CA's server; without it, refuses",
    async () => {
      const openssl = (...args: string[]) => execFileSync("openssl", args, { cwd: dir, stdio: "pipe" });
      openssl(
        "req",
        "-x509",
        "-newkey",
        "rsa:2048",
        "-nodes",
        "-keyout",
        "ca.key",
        "-out",
        "ca.pem",
        "-days",
        "1",
        "-subj",
        "/CN=Test Internal Root",
      );
      openssl(
        "req",
        "-newkey",
        "rsa:2048",
        "-nodes",
        "-keyout",
        "server.key",
        "-out",
        "server.csr",
        "-subj",
        "/CN=localhost",
      );
      writeFileSync(join(dir, "san.ext"), "subjectAltName=IP:127.0.0.1\n");
      openssl(
        "x509",
        "-req",
        "-in",
        "server.csr",
        "-CA",
        "ca.pem",
        "-CAkey",
        "ca.key",
        "-CAcreateserial",
        "-out",
        "server.pem",
        "-days",
        "1",
        "-extfile",
        "san.ext",
      );
      const server = createServer(
        { key: readFileSync(join(dir, "server.key")), cert: readFileSync(join(dir, "server.pem")) },
        (_, res) => res.end("Ok."),
      );
      await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
      const { port } = server.address() as { port: number };
      try {
        // the ConfigMap as the kubelet mounts it, at the path the rendered env names (under dir)
        const variable = rollout.spec.template.spec.containers[0].env.find(
          (e: any) => e.name === "NODE_EXTRA_CA_CERTS",
        );
        const mounted = join(dir, variable.value);
        mkdirSync(join(mounted, ".."), { recursive: true });
        writeFileSync(mounted, readFileSync(join(dir, "ca.pem")));
        const probe = `fetch("https://127.0.0.1:${port}/").then(async (r) => console.log(r.status, await r.text()), (e) => { console.log(String(e.cause?.code ?? e)); process.exit(1); })`;
        const base = { PATH: process.env.PATH };
        // a child process does the request (this one serves it)
        const asyncRun = (env: NodeJS.ProcessEnv) =>
          new Promise<{ status: number | null; stdout: string }>((resolve) => {
            const child = spawn(process.execPath, ["-e", probe], { env });
            let stdout = "";
            child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
            child.on("exit", (status) => resolve({ status, stdout }));
          });
        const trusted = await asyncRun({ ...base, NODE_EXTRA_CA_CERTS: mounted });
        expect(trusted.stdout.trim()).toBe("200 Ok.");
        const refused = await asyncRun(base);
        expect(refused.status).toBe(1);
        expect(refused.stdout).toMatch(
          /UNABLE_TO_VERIFY_LEAF_SIGNATURE|SELF_SIGNED|UNABLE_TO_GET_ISSUER_CERT/,
        );
      } finally {
        server.close();
      }
    },
  );
});

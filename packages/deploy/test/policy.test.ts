/* eslint-disable @typescript-eslint/no-explicit-any -- rendered YAML is read back untyped, as a reviewer reads it */
import { execFileSync, spawnSync } from "node:child_process";
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { parse, stringify } from "yaml";
import { parseManifests, renderManifests, type Manifest } from "../src/index.js";
import { committedConfig, committedLock } from "./fixtures.js";
import { itWith } from "./tools.js";

const { files } = renderManifests(committedLock(), committedConfig());
const objects: { path: string; object: Manifest }[] = [...files].flatMap(([path, text]) =>
  parseManifests(text, path).map((object) => ({ path, object })),
);
const ofKind = (kind: string) => objects.filter((o) => o.object.kind === kind);
const rollouts = ofKind("Rollout").map(({ path, object }) => ({
  path,
  spec: (object.spec as any).template.spec,
}));
const monitors = ofKind("CronJob").map(({ path, object }) => ({
  path,
  spec: (object.spec as any).jobTemplate.spec.template.spec,
}));
/** The environments' servers; previews' apart. */
const servers = rollouts.filter((r) => r.path.startsWith("argocd/envs/"));
const previews = rollouts.filter((r) => r.path.startsWith("argocd/previews/"));
/** Every pod template rendered: the servers, the previews and the monitor jobs. */
const pods = [...rollouts, ...monitors];

describe("policy over everything rendered", () => {
  it("renders workloads to check", () => {
    expect(servers.length).toBe(3);
    expect(previews.length).toBe(3);
    expect(monitors.length).toBe(3);
  });

  it("every container has requests and limits; servers have the three probes on /healthz and /readyz", () => {
    for (const { spec } of pods)
      for (const c of spec.containers) {
        expect(c.resources.requests.cpu && c.resources.requests.memory).toBeTruthy();
        expect(c.resources.limits.cpu && c.resources.limits.memory).toBeTruthy();
      }
    for (const { spec } of rollouts)
      for (const c of spec.containers) {
        expect(c.startupProbe.httpGet.path).toBe("/healthz");
        expect(c.livenessProbe.httpGet.path).toBe("/healthz");
        expect(c.readinessProbe.httpGet.path).toBe("/readyz");
      }
  });

  it("pods run as non-root on a read-only filesystem, with no privilege, no capabilities and RuntimeDefault seccomp", () => {
    for (const { spec } of pods) {
      expect(spec.securityContext).toMatchObject({
        runAsNonRoot: true,
        seccompProfile: { type: "RuntimeDefault" },
      });
      expect(spec.securityContext.runAsUser).toBeGreaterThan(0);
      expect(spec.automountServiceAccountToken).toBe(false);
      for (const c of spec.containers)
        expect(c.securityContext).toEqual({
          allowPrivilegeEscalation: false,
          readOnlyRootFilesystem: true,
          runAsNonRoot: true,
          privileged: false,
          capabilities: { drop: ["ALL"] },
        });
    }
    for (const { object } of ofKind("ServiceAccount"))
      expect((object as any).automountServiceAccountToken).toBe(false);
  });

  it("images are pinned by digest, never by a tag", () => {
    for (const { spec } of pods)
      for (const c of spec.containers) expect(c.image).toMatch(/^[a-z0-9./:-]+@sha256:[0-9a-f]{64}$/);
  });

  it("each environment's namespace has a default-deny NetworkPolicy, and each model its own allowances", () => {
    const config = committedConfig();
    for (const environment of Object.keys(config.environments)) {
      const deny = objects.find(
        (o) =>
          o.path.startsWith(`argocd/envs/${environment}/namespace/`) &&
          o.object.kind === "NetworkPolicy" &&
          o.path.endsWith("networkpolicy-default-deny.yaml"),
      );
      expect(deny!.object.spec as any).toEqual({ podSelector: {}, policyTypes: ["Ingress", "Egress"] });
    }
    const policies = ofKind("NetworkPolicy").filter(
      (o) => !o.path.includes("/namespace/") && o.path.startsWith("argocd/envs/"),
    );
    for (const { object } of policies.filter((o) => !o.path.endsWith("networkpolicy-monitor.yaml"))) {
      const from = (object.spec as any).ingress[0].from.map(
        (f: any) => f.namespaceSelector.matchLabels["kubernetes.io/metadata.name"],
      );
      expect(from).toEqual(["ingress-nginx", "monitoring"]);
      // the store over HTTPS, ClickHouse's HTTPS port for the prediction log, managed Redis over TLS
      expect((object.spec as any).egress[1].ports.map((p: any) => p.port)).toEqual([443, 8443, 6380]);
    }
    // the monitor jobs take no traffic at all
    const jobs = policies.filter((o) => o.path.endsWith("networkpolicy-monitor.yaml"));
    expect(jobs.length).toBe(3);
    for (const { object } of jobs) expect((object.spec as any).ingress).toEqual([]);
  });

  it("no Secret and no credential value is in git: stores are reached by Secret reference", () => {
    expect(ofKind("Secret")).toEqual([]);
    for (const [path, text] of files) {
      expect(text, path).not.toMatch(
        /AWS_SECRET_ACCESS_KEY|AKIA[0-9A-Z]{16}|BEGIN [A-Z ]*PRIVATE KEY|ghp_[A-Za-z0-9]{20,}/,
      );
    }
    for (const { spec } of previews) {
      // previews read with credentials of their own, and log nowhere
      expect(spec.containers[0].envFrom).toEqual([{ secretRef: { name: "lockstep-store-preview" } }]);
      expect(spec.containers[0].env.map((e: any) => e.name)).not.toContain("LOCKSTEP_CLICKHOUSE_URL");
      expect(spec.containers[0].env).toContainEqual({ name: "LOCKSTEP_ENV", value: "preview" });
    }
    // the servers read with the environment's read-only key; the monitor Jobs, which publish
    // reports, with a key of their own
    for (const { spec } of servers)
      expect(spec.containers[0].envFrom).toEqual([{ secretRef: { name: "lockstep-store" } }]);
    for (const { spec } of monitors)
      expect(spec.containers[0].envFrom).toEqual([{ secretRef: { name: "lockstep-monitor-store" } }]);
    for (const { spec } of [...servers, ...monitors]) {
      const clickhouse = spec.containers[0].env.find((e: any) => e.name === "LOCKSTEP_CLICKHOUSE_URL");
      expect(clickhouse.valueFrom).toEqual({ secretKeyRef: { name: "lockstep-clickhouse", key: "url" } });
    }
  });

  it("the three AppProjects admit exactly the kinds written here, no more", () => {
    const kinds = (list: { group: string; kind: string }[] | undefined) =>
      (list ?? []).map((k) => `${k.group}/${k.kind}`).sort();
    const projects = Object.fromEntries(
      ofKind("AppProject").map(({ path, object }) => [
        `${path} ${object.metadata.name}`,
        {
          cluster: kinds((object.spec as any).clusterResourceWhitelist),
          namespaced: kinds((object.spec as any).namespaceResourceWhitelist),
          // a blacklist would make the whitelist above mean something else
          blacklists: [
            (object.spec as any).clusterResourceBlacklist,
            (object.spec as any).namespaceResourceBlacklist,
          ].filter(Boolean),
        },
      ]),
    );
    expect(projects).toStrictEqual({
      "argocd/bootstrap/appproject.yaml lockstep": {
        cluster: ["/Namespace"],
        namespaced: [
          "/ConfigMap",
          "/Service",
          "/ServiceAccount",
          "apps/Deployment",
          "apps/ReplicaSet",
          "argoproj.io/AnalysisRun",
          "argoproj.io/AnalysisTemplate",
          "argoproj.io/Rollout",
          "autoscaling/HorizontalPodAutoscaler",
          "batch/CronJob",
          "monitoring.coreos.com/PodMonitor",
          "monitoring.coreos.com/PrometheusRule",
          "networking.k8s.io/Ingress",
          "networking.k8s.io/NetworkPolicy",
          "policy/PodDisruptionBudget",
        ],
        blacklists: [],
      },
      // a pull request's own folder: the server's objects only, nothing cluster-scoped
      "argocd/bootstrap/appproject-previews.yaml lockstep-previews": {
        cluster: [],
        namespaced: ["/ConfigMap", "/ServiceAccount", "argoproj.io/Rollout"],
        blacklists: [],
      },
      // the sandbox around it, from the configured revision: its namespace, routing and policy
      "argocd/bootstrap/appproject-preview-sandboxes.yaml lockstep-preview-sandboxes": {
        cluster: ["/Namespace"],
        namespaced: ["/Service", "networking.k8s.io/Ingress", "networking.k8s.io/NetworkPolicy"],
        blacklists: [],
      },
    });
  });

  it("every object a model folder holds is a kind the AppProject admits", () => {
    const project = ofKind("AppProject").find((o) => o.object.metadata.name === "lockstep")!.object
      .spec as any;
    const admitted = new Set(project.namespaceResourceWhitelist.map((k: any) => `${k.group}/${k.kind}`));
    for (const { path, object } of objects.filter((o) => o.path.startsWith("argocd/envs/"))) {
      const group = object.apiVersion.includes("/") ? object.apiVersion.split("/")[0] : "";
      if (object.kind === "Namespace") continue;
      expect(admitted.has(`${group}/${object.kind}`), `${path}: ${object.kind}`).toBe(true);
    }
    expect(project.sourceRepos).toEqual([committedConfig().repository.url]);
  });

  it("the ApplicationSets' paths are exactly the rendered model folders", () => {
    const appPaths = ofKind("ApplicationSet")
      .filter((o) => !o.object.metadata.name.startsWith("lockstep-preview"))
      .flatMap((o) => (o.object.spec as any).generators[0].list.elements.map((e: any) => e.path))
      .sort();
    const folders = [...new Set([...files.keys()].map((p) => dirname(p)))]
      .filter((d) => /^argocd\/envs\/[^/]+\/[^/]+$/.test(d) && !d.endsWith("/namespace"))
      .sort();
    expect(appPaths).toEqual(folders);
    const nsApps = ofKind("Application")
      .map((o) => (o.object.spec as any).source.path)
      .sort();
    expect(nsApps).toEqual(["argocd/envs/production/namespace", "argocd/envs/staging/namespace"]);
  });

  it("staging syncs by itself with prune and self-heal; production waits", () => {
    const sets = Object.fromEntries(
      ofKind("ApplicationSet").map((o) => [o.object.metadata.name, o.object.spec as any]),
    );
    expect(sets["lockstep-staging"].template.spec.syncPolicy.automated).toEqual({
      prune: true,
      selfHeal: true,
    });
    expect(sets["lockstep-production"].template.spec.syncPolicy.automated).toBeUndefined();
  });

  it("config and routes sync before workloads, monitors after (sync waves)", () => {
    const wave = (kind: string) =>
      new Set(
        ofKind(kind).map((o) => Number(o.object.metadata.annotations?.["argocd.argoproj.io/sync-wave"])),
      );
    expect([...wave("Namespace")]).toEqual([-2]);
    for (const kind of ["ConfigMap", "ServiceAccount", "Service", "AnalysisTemplate", "Ingress"]) {
      const waves = ofKind(kind)
        .filter((o) => o.path.startsWith("argocd/envs/") && !o.path.includes("configmap-dashboard"))
        .map((o) => Number(o.object.metadata.annotations!["argocd.argoproj.io/sync-wave"]));
      expect(Math.max(...waves), kind).toBeLessThan(0);
    }
    expect([...wave("Rollout")]).toEqual([0]);
    expect([...wave("PodMonitor")]).toEqual([1]);
    const dashboards = ofKind("ConfigMap").filter((o) => o.path.includes("configmap-dashboard"));
    expect(dashboards.length).toBeGreaterThan(0);
    for (const o of dashboards)
      expect(o.object.metadata.annotations!["argocd.argoproj.io/sync-wave"]).toBe("1");
  });
});

describe("real tools over what is rendered", () => {
  const dir = mkdtempSync(join(tmpdir(), "lockstep-render-"));
  for (const [path, text] of files) {
    mkdirSync(dirname(join(dir, path)), { recursive: true });
    writeFileSync(join(dir, path), text);
  }
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  itWith("kubectl")("kubectl kustomize builds every folder to exactly its files' objects", () => {
    const dirs = [...new Set([...files.keys()].map((p) => dirname(p)))];
    expect(dirs.length).toBeGreaterThan(5);
    for (const d of dirs) {
      const built = execFileSync("kubectl", ["kustomize", join(dir, d)], { encoding: "utf8" });
      const count = [...files.keys()].filter(
        (p) => dirname(p) === d && !p.endsWith("kustomization.yaml"),
      ).length;
      expect(built.split(/^---$/m).length, d).toBe(count);
    }
  });

  itWith("kubectl")(
    "a preview's sandbox gets its pull request's namespace and Ingress host, as Argo CD patches it",
    () => {
      const sandboxes = ofKind("ApplicationSet").find(
        (o) => o.object.metadata.name === "lockstep-preview-sandboxes",
      )!;
      const source = (sandboxes.object.spec as any).template.spec.source;
      const overlay = join(dir, "sandbox-overlay");
      mkdirSync(overlay);
      const model = "co2-forecast";
      expect(source.path).toBe('argocd/previews/{{ index (splitList "/" .branch) 1 }}/sandbox');
      const fill = (text: string) =>
        text.replaceAll("{{.branch_slug}}", "lockstep-co2-forecast-staging").replaceAll("{{.number}}", "42");
      writeFileSync(
        join(overlay, "kustomization.yaml"),
        stringify({
          resources: [`../argocd/previews/${model}/sandbox`],
          patches: source.kustomize.patches.map((p: any) => ({ target: p.target, patch: fill(p.patch) })),
        }),
      );
      const built = execFileSync("kubectl", ["kustomize", overlay], { encoding: "utf8" });
      const docs = built.split(/^---$/m);
      expect(docs.find((d) => /^kind: Ingress$/m.test(d))).toContain(
        "host: lockstep-co2-forecast-staging.preview.lockstep.example.com",
      );
      expect(docs.find((d) => /^kind: Namespace$/m.test(d))).toMatch(/^ {2}name: lockstep-pr-42$/m);
      // HTTPS for the pull request's own host, with ingress-nginx's default (wildcard) certificate
      const ingress = parse(docs.find((d) => /^kind: Ingress$/m.test(d))!);
      expect(ingress.spec.tls).toEqual([
        { hosts: ["lockstep-co2-forecast-staging.preview.lockstep.example.com"] },
      ]);
      expect(docs.length).toBe(5);
    },
  );

  itWith("promtool")("promtool parses every analysis query (as recording rules, args filled in)", () => {
    // the statistical checks are the canary judge's (web provider); its queries are tested with it
    const queries = ofKind("AnalysisTemplate").flatMap((o) =>
      (o.object.spec as any).metrics
        .filter((m: any) => m.provider.prometheus)
        .map((m: any) => ({
          name: `${o.object.metadata.name}:${m.name}`,
          query: m.provider.prometheus.query,
        })),
    );
    expect(queries.length).toBe(3 * 2);
    const rules = {
      groups: [
        {
          name: "analysis",
          rules: queries.map((q: any) => ({
            record: `lockstep:${q.name.replace(/[^a-zA-Z0-9_:]/g, "_")}`,
            expr: q.query.replace(/\{\{args\.([a-z-]+)\}\}/g, "$1-value"),
          })),
        },
      ],
    };
    const file = join(dir, "analysis-rules.yaml");
    writeFileSync(file, stringify(rules));
    const result = spawnSync("promtool", ["check", "rules", file], { encoding: "utf8" });
    expect(result.stdout + result.stderr).toContain(`SUCCESS: ${queries.length} rules found`);
    // and it does refuse a broken query
    writeFileSync(
      file,
      stringify({ groups: [{ name: "x", rules: [{ record: "x", expr: "sum(rate(x[2m])" }] }] }),
    );
    expect(spawnSync("promtool", ["check", "rules", file]).status).not.toBe(0);
  });
});

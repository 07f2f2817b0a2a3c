/* eslint-disable @typescript-eslint/no-explicit-any -- rendered YAML is read back untyped, as Argo CD reads it */
import { execFileSync } from "node:child_process";
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { parseAllDocuments, stringify } from "yaml";
import {
  globMatch,
  isDestinationPermitted,
  isGroupKindPermitted,
  renderManifests,
  syncRefusal,
  type ManagedObject,
  type ProjectSpec,
} from "../src/index.js";
import { committedConfig, committedLock } from "./fixtures.js";
import { describeWith } from "./tools.js";

const config = committedConfig();
const { files } = renderManifests(committedLock(), config);
const tree = mkdtempSync(join(tmpdir(), "lockstep-argocd-"));
for (const [path, text] of files) {
  mkdirSync(dirname(join(tree, path)), { recursive: true });
  writeFileSync(join(tree, path), text);
}
afterAll(() => rmSync(tree, { recursive: true, force: true }));

const docs = (text: string) =>
  parseAllDocuments(text)
    .map((d) => d.toJSON())
    .filter(Boolean);
const bootstrap = [...files]
  .filter(([path]) => path.startsWith("argocd/bootstrap/") && !path.endsWith("kustomization.yaml"))
  .flatMap(([, text]) => docs(text));
const projects = new Map<string, ProjectSpec & { sourceRepos: string[] }>(
  bootstrap.filter((o) => o.kind === "AppProject").map((o) => [o.metadata.name, o.spec]),
);

/** The Go templates the ApplicationSets use, filled in from a generator's params (anything else throws). */
function fill(value: any, params: Record<string, string>): any {
  if (typeof value === "string")
    return value.replace(/\{\{\s*(.*?)\s*\}\}/g, (_, expr: string) => {
      const field = /^\.(\w+)$/.exec(expr);
      if (field && params[field[1]!] !== undefined) return params[field[1]!]!;
      const part = /^index \(splitList "\/" \.(\w+)\) (\d+)$/.exec(expr);
      if (part) return params[part[1]!]!.split("/")[Number(part[2])]!;
      throw new Error(`unsupported template {{${expr}}}`);
    });
  if (Array.isArray(value)) return value.map((v) => fill(v, params));
  if (value && typeof value === "object")
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, fill(v, params)]));
  return value;
}

/** A pull request the previews' generator would list: a model bump for staging. */
const pullRequest = (model: string) => ({
  number: "42",
  branch: `lockstep/${model}/staging`,
  branch_slug: `lockstep-${model}-staging`,
  head_sha: "f".repeat(40),
});

/** Every Application the bootstrap makes: its own, and each ApplicationSet's for its generator's params. */
function applications(): any[] {
  const apps = bootstrap.filter((o) => o.kind === "Application");
  for (const set of bootstrap.filter((o) => o.kind === "ApplicationSet")) {
    for (const generator of set.spec.generators) {
      const params: Record<string, string>[] = generator.list
        ? generator.list.elements
        : Object.keys(committedLock().models).map(pullRequest);
      for (const p of params)
        apps.push({ metadata: fill(set.spec.template.metadata, p), spec: fill(set.spec.template.spec, p) });
    }
  }
  return apps;
}

const built = (dir: string): ManagedObject[] =>
  docs(execFileSync("kubectl", ["kustomize", dir], { encoding: "utf8" }));

/** Argo CD's verdict on every object of an Application's folder (as kustomize builds it). */
function refusals(app: any, dir = join(tree, app.spec.source.path)): string[] {
  const project = projects.get(app.spec.project);
  if (!project) return [`project ${app.spec.project} does not exist`];
  if (!project.sourceRepos.includes(app.spec.source.repoURL)) return ["repository not permitted"];
  return built(dir).flatMap((o) => syncRefusal(app.spec.project, project, app.spec.destination, o) ?? []);
}

describe("Argo CD's permission decisions, as ported", () => {
  it("kinds: an absent namespaced whitelist admits all, an empty one none; cluster-scoped kinds need a whitelist", () => {
    const cm = { group: "", kind: "ConfigMap" };
    expect(isGroupKindPermitted({}, cm, true)).toBe(true);
    expect(isGroupKindPermitted({ namespaceResourceWhitelist: [] }, cm, true)).toBe(false);
    expect(isGroupKindPermitted({ namespaceResourceWhitelist: [{ group: "*", kind: "*" }] }, cm, true)).toBe(
      true,
    );
    expect(isGroupKindPermitted({ namespaceResourceBlacklist: [cm] }, cm, true)).toBe(false);
    const ns = { group: "", kind: "Namespace" };
    expect(isGroupKindPermitted({}, ns, false)).toBe(false);
    expect(isGroupKindPermitted({ clusterResourceWhitelist: [] }, ns, false)).toBe(false);
    expect(isGroupKindPermitted({ clusterResourceWhitelist: [ns] }, ns, false)).toBe(true);
  });

  it("destinations: globs without separators, `!` excludes, server or name and the namespace must match", () => {
    expect(globMatch("lockstep-pr-*", "lockstep-pr-42", true)).toBe(true);
    expect(globMatch("lockstep-pr-*", "lockstep-production", true)).toBe(false);
    expect(globMatch("lockstep-*", "lockstep-production", true)).toBe(true);
    expect(globMatch("{a,b}-?", "b-1", false)).toBe(true);
    expect(globMatch("!kube-*", "kube-system", true)).toBe(false);
    const server = "https://kubernetes.default.svc";
    const project = {
      destinations: [
        { server, namespace: "lockstep-*" },
        { server: "*", namespace: "!lockstep-production" },
      ],
    };
    expect(isDestinationPermitted(project, { server, namespace: "lockstep-pr-1" })).toBe(true);
    expect(isDestinationPermitted(project, { server, namespace: "lockstep-production" })).toBe(false);
    // the second entry admits any server's namespaces but the excluded one
    expect(isDestinationPermitted(project, { server: "https://other", namespace: "x" })).toBe(true);
    expect(
      isDestinationPermitted(
        { destinations: [project.destinations[0]!] },
        { server: "https://other", namespace: "lockstep-a" },
      ),
    ).toBe(false);
  });

  it("an object without a namespace gets the destination's; a cluster-scoped object is checked by kind alone", () => {
    const project = {
      destinations: [{ server: "s", namespace: "a" }],
      clusterResourceWhitelist: [{ group: "", kind: "Namespace" }],
    };
    const cm = (namespace?: string) => ({
      apiVersion: "v1",
      kind: "ConfigMap",
      metadata: { name: "x", namespace },
    });
    expect(syncRefusal("p", project, { server: "s", namespace: "a" }, cm())).toBeUndefined();
    expect(syncRefusal("p", project, { server: "s", namespace: "a" }, cm("b"))).toBe(
      "namespace b is not permitted in project 'p'",
    );
    const namespace = { apiVersion: "v1", kind: "Namespace", metadata: { name: "anything" } };
    expect(syncRefusal("p", project, { server: "s", namespace: "a" }, namespace)).toBeUndefined();
    const role = { apiVersion: "rbac.authorization.k8s.io/v1", kind: "ClusterRole", metadata: { name: "r" } };
    expect(syncRefusal("p", project, { server: "s", namespace: "a" }, role)).toBe(
      "resource rbac.authorization.k8s.io:ClusterRole is not permitted in project p",
    );
  });
});

describeWith("kubectl")("the rendered projects, evaluated as Argo CD does", () => {
  it("every object of every Application is permitted by that Application's project", () => {
    const apps = applications();
    const pinned = (env: string) => Object.values(committedLock().models).filter((m) => m.pins[env]).length;
    // namespaces, each environment's pinned models, the previews and their namespaces
    expect(apps.length).toBe(2 + pinned("staging") + pinned("production") + 3 + 3);
    for (const app of apps) expect(refusals(app), app.metadata.name).toEqual([]);
  });

  it("previews have projects of their own that reach lockstep-pr-* only; the head's folder admits no cluster-scoped kind", () => {
    const previews = applications().filter((a) => a.metadata.name.startsWith("preview-"));
    const fromHead = previews.filter((a) => a.spec.source.targetRevision === "f".repeat(40));
    expect(fromHead.map((a) => a.spec.project)).toEqual([
      "lockstep-previews",
      "lockstep-previews",
      "lockstep-previews",
    ]);
    // the sandboxes (namespace, policies, routing) come from the configured revision, never from a pull request's files
    for (const app of previews.filter((a) => !fromHead.includes(a))) {
      expect(app.spec.project).toBe("lockstep-preview-sandboxes");
      expect(app.spec.source.targetRevision).toBe(config.repository.revision ?? "main");
    }
    for (const name of ["lockstep-previews", "lockstep-preview-sandboxes"]) {
      const project = projects.get(name)!;
      for (const env of Object.values(config.environments))
        expect(
          isDestinationPermitted(project, {
            server: "https://kubernetes.default.svc",
            namespace: env.namespace,
          }),
          `${name} → ${env.namespace}`,
        ).toBe(false);
    }
    expect(projects.get("lockstep-previews")!.clusterResourceWhitelist).toEqual([]);
    // and the environments' project takes no preview namespace
    expect(
      isDestinationPermitted(projects.get("lockstep")!, {
        server: "https://kubernetes.default.svc",
        namespace: "lockstep-pr-42",
      }),
    ).toBe(false);
    for (const app of fromHead)
      expect(app.spec.syncPolicy.syncOptions).toContain("FailOnSharedResource=true");
  });

  it("a pull request whose preview folder names lockstep-production, adds cluster-scoped objects, routing or policy, is refused", () => {
    const app = applications().find(
      (a) => a.metadata.name === "preview-42" && a.spec.source.path.endsWith("/co2-forecast"),
    )!;
    const head = mkdtempSync(join(tmpdir(), "lockstep-pr-head-"));
    try {
      cpSync(join(tree, app.spec.source.path), head, { recursive: true });
      const hostile = [
        {
          apiVersion: "v1",
          kind: "ConfigMap",
          metadata: { name: "co2-forecast-pin-evil", namespace: "lockstep-production" },
          data: {},
        },
        {
          apiVersion: "argoproj.io/v1alpha1",
          kind: "Rollout",
          metadata: { name: "co2-forecast", namespace: "lockstep-staging" },
          spec: {},
        },
        { apiVersion: "v1", kind: "Namespace", metadata: { name: "lockstep-production" } },
        {
          apiVersion: "rbac.authorization.k8s.io/v1",
          kind: "ClusterRoleBinding",
          metadata: { name: "evil" },
          roleRef: {},
          subjects: [],
        },
        { apiVersion: "v1", kind: "Secret", metadata: { name: "lockstep-store" } },
        // routing and policy are the sandbox's: an Ingress could claim production's host, a
        // NetworkPolicy could undo the default deny, a LoadBalancer Service could take an address
        {
          apiVersion: "networking.k8s.io/v1",
          kind: "Ingress",
          metadata: { name: "steal" },
          spec: { rules: [{ host: "lockstep.example.com" }] },
        },
        {
          apiVersion: "networking.k8s.io/v1",
          kind: "NetworkPolicy",
          metadata: { name: "allow-all" },
          spec: {},
        },
        { apiVersion: "v1", kind: "Service", metadata: { name: "lb" }, spec: { type: "LoadBalancer" } },
      ];
      writeFileSync(join(head, "evil.yaml"), hostile.map((o) => stringify(o)).join("---\n"));
      const kustomization = join(head, "kustomization.yaml");
      writeFileSync(
        kustomization,
        readFileSync(kustomization, "utf8").replace("resources:\n", "resources:\n  - evil.yaml\n"),
      );
      expect(refusals(app, head).sort()).toEqual([
        "namespace lockstep-production is not permitted in project 'lockstep-previews'",
        "namespace lockstep-staging is not permitted in project 'lockstep-previews'",
        "resource :Namespace is not permitted in project lockstep-previews",
        "resource :Secret is not permitted in project lockstep-previews",
        "resource :Service is not permitted in project lockstep-previews",
        "resource networking.k8s.io:Ingress is not permitted in project lockstep-previews",
        "resource networking.k8s.io:NetworkPolicy is not permitted in project lockstep-previews",
        "resource rbac.authorization.k8s.io:ClusterRoleBinding is not permitted in project lockstep-previews",
      ]);
    } finally {
      rmSync(head, { recursive: true, force: true });
    }
  });
});

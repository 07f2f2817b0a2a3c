// Previews as Argo CD would treat them: a pull request's objects stay in its lockstep-pr-* namespace.
import { describe, expect, it } from "vitest";
import { parseAllDocuments } from "yaml";
import { isDestinationPermitted, renderManifests, syncRefusal, type ProjectSpec } from "@lockstep/deploy";
import { committedConfig, committedLock } from "../../packages/deploy/test/fixtures.js";

const config = committedConfig();
const { files } = renderManifests(committedLock(), config);
const objects = [...files.values()].flatMap((text) => parseAllDocuments(text).map((d) => d.toJSON()));
const projects = new Map<string, ProjectSpec>(
  objects.filter((o) => o?.kind === "AppProject").map((o) => [o.metadata.name, o.spec]),
);
const server = "https://kubernetes.default.svc";

describe("previews cannot reach staging or production", () => {
  it("the project a pull request's head syncs in admits no environment namespace and no cluster-scoped kind", () => {
    const set = objects.find((o) => o?.kind === "ApplicationSet" && o.metadata.name === "lockstep-previews");
    expect(set.spec.template.spec.source.targetRevision).toBe("{{.head_sha}}");
    const name = set.spec.template.spec.project as string;
    const project = projects.get(name)!;
    for (const env of Object.values(config.environments)) {
      expect(isDestinationPermitted(project, { server, namespace: env.namespace })).toBe(false);
      const object = {
        apiVersion: "v1",
        kind: "ConfigMap",
        metadata: { name: "x", namespace: env.namespace },
      };
      expect(syncRefusal(name, project, { server, namespace: "lockstep-pr-1" }, object)).toBe(
        `namespace ${env.namespace} is not permitted in project '${name}'`,
      );
    }
    for (const [apiVersion, kind] of [
      ["v1", "Namespace"],
      ["rbac.authorization.k8s.io/v1", "ClusterRole"],
      ["rbac.authorization.k8s.io/v1", "ClusterRoleBinding"],
      ["apiextensions.k8s.io/v1", "CustomResourceDefinition"],
    ])
      expect(
        syncRefusal(
          name,
          project,
          { server, namespace: "lockstep-pr-1" },
          { apiVersion: apiVersion!, kind: kind!, metadata: { name: "x" } },
        ),
        kind,
      ).toBe(
        `resource ${apiVersion!.includes("/") ? apiVersion!.split("/")[0] : ""}:${kind} is not permitted in project ${name}`,
      );
  });

  it("no project that a pull request's revision can reach names an environment's namespace", () => {
    const fromHead = objects.filter(
      (o) => o?.kind === "ApplicationSet" && JSON.stringify(o.spec.template.spec.source).includes("head_sha"),
    );
    expect(fromHead.length).toBeGreaterThan(0);
    for (const set of fromHead) {
      const project = projects.get(set.spec.template.spec.project)!;
      for (const env of Object.values(config.environments))
        expect(isDestinationPermitted(project, { server, namespace: env.namespace }), set.metadata.name).toBe(
          false,
        );
    }
  });
});

/* eslint-disable @typescript-eslint/no-explicit-any -- synthesized JSON is read back untyped, as a reviewer reads it */
// The platform stack against what the rendered objects need of it (issue 36: the revert's
// notifications, the namespace waves, the dashboards' folders, the previews' certificate and
// store Secret), and against the bootstrap plan's table of what each chart provides.
import { beforeAll, describe, expect, it } from "vitest";
import { platformProvides } from "@lockstep/deploy";
import { APPLICATION_HEALTH_LUA } from "../src/stacks/platform.js";
import { committedConfig, deployConfig, synthAll, type SynthResult } from "./synth.js";

let result: SynthResult;
let releases: Record<string, any>;
const valuesOf = (name: string) => JSON.parse(releases[name].values[0]);

beforeAll(() => {
  result = synthAll();
  releases = (result.json.platform as any).resource.helm_release;
});

describe("the platform stack", () => {
  it("installs every chart the bootstrap plan credits, in the namespaces it credits", () => {
    for (const [chart, provided] of Object.entries(platformProvides(deployConfig()))) {
      expect(releases[chart], chart).toBeDefined();
      expect(releases[chart].chart).toBe(chart);
      for (const namespace of provided.filter((p) => p.kind === "Namespace"))
        expect(releases[chart].namespace, `${chart} creates ${namespace.name}`).toBe(namespace.name);
    }
  });

  it("Argo Rollouts reads the rendered notification ConfigMap (the chart's is off); Argo CD sends none", () => {
    expect(valuesOf("argo-rollouts").notifications).toEqual({ configmap: { create: false } });
    expect(releases["argo-rollouts"].namespace).toBe("argocd");
    expect(valuesOf("argo-cd").notifications).toEqual({ enabled: false });
  });

  it("Argo CD assesses Applications' health again, so the namespaces' wave -2 is waited for", () => {
    const cm = valuesOf("argo-cd").configs.cm;
    expect(cm["resource.customizations.health.argoproj.io_Application"]).toBe(APPLICATION_HEALTH_LUA);
    expect(APPLICATION_HEALTH_LUA).toContain("hs.status = obj.status.health.status");
  });

  it("Grafana files dashboards by the grafana_folder annotation the rendered ConfigMaps carry", () => {
    expect(valuesOf("kube-prometheus-stack").grafana.sidecar.dashboards).toEqual({
      folderAnnotation: "grafana_folder",
      provider: { foldersFromFilesStructure: true },
    });
  });

  it("previews: ingress-nginx's default certificate is their wildcard; the replicator copies Secrets only", () => {
    expect(valuesOf("ingress-nginx").controller.extraArgs).toEqual({
      "default-ssl-certificate": "ingress-nginx/lockstep-preview-tls",
    });
    expect(releases["kubernetes-replicator"].repository).toBe("https://helm.mittwald.de");
    // the image (v2.12.4's Dockerfile: FROM scratch, no USER) runs as root unless told a uid: with
    // runAsNonRoot alone the kubelet refuses to start it and the atomic release rolls back
    expect(valuesOf("kubernetes-replicator").securityContext).toMatchObject({
      runAsNonRoot: true,
      runAsUser: 65534,
      runAsGroup: 65534,
    });
    expect(valuesOf("kubernetes-replicator").replicationEnabled).toEqual({
      secrets: true,
      configMaps: false,
      roles: false,
      roleBindings: false,
      serviceAccounts: false,
    });
  });

  it("without previews: no replicator, no default certificate; with previews but no pinned chart: a typed error", () => {
    const deploy = deployConfig();
    delete deploy.previews;
    const bare = (synthAll(committedConfig(), "remote", deploy).json.platform as any).resource.helm_release;
    expect(bare["kubernetes-replicator"]).toBeUndefined();
    expect(JSON.parse(bare["ingress-nginx"].values[0]).controller.extraArgs).toBeUndefined();
    const config = committedConfig();
    delete (config.platform.charts as any)["kubernetes-replicator"];
    expect(() => synthAll(config)).toThrow(/platform\/charts\/kubernetes-replicator: no version pinned/);
  });
});

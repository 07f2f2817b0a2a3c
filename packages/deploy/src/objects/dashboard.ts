import type { Dashboard } from "@grafana/grafana-foundation-sdk/dashboard";
import { ConfigMap } from "kubernetes-models/v1";
import { MANAGED_BY, PART_OF, waveAnnotation, WAVE } from "../target.js";

/** The label Grafana's dashboard sidecar (kube-prometheus-stack) loads ConfigMaps by. */
export const DASHBOARD_LABEL = "grafana_dashboard";
/** The annotation the sidecar files a dashboard under (its `folderAnnotation` setting). */
export const FOLDER_ANNOTATION = "grafana_folder";

/** The dashboard as JSON in a ConfigMap the sidecar picks up; the text is what `render --check` compares. */
export function dashboardConfigMap(
  name: string,
  built: Dashboard,
  labels: Record<string, string>,
): ConfigMap {
  return new ConfigMap({
    metadata: {
      name,
      labels: {
        ...labels,
        "app.kubernetes.io/part-of": PART_OF,
        "app.kubernetes.io/managed-by": MANAGED_BY,
        "app.kubernetes.io/component": "dashboard",
        [DASHBOARD_LABEL]: "1",
      },
      annotations: {
        ...waveAnnotation(WAVE.routing),
        [FOLDER_ANNOTATION]: "Lockstep",
        // client-side apply copies the object into a 256 KiB annotation: dashboards outgrow it
        "argocd.argoproj.io/sync-options": "ServerSideApply=true",
      },
    },
    data: { [`${built.uid}.json`]: `${JSON.stringify(built, null, 2)}\n` },
  });
}

// What Argo CD does with objects over an Application's life, ported from argo-cd v2.13.9 (a70b2293)
// and the gitops-engine it vendors, so tests can walk rendered objects through a pin change and a
// deletion:
//   controller/state.go:770-784  an extraneous live object (needs pruning) makes the app OutOfSync
//                                unless it carries compare-options IgnoreExtraneous;
//   gitops-engine pkg/sync/sync_context.go (SyncOptionDisablePrune "Prune=false"): a sync with prune
//                                deletes the extraneous objects except those;
//   controller/appcontroller.go:1102-1106 shouldBeDeleted: a cascading delete skips CRDs and objects
//                                with sync-options Delete=false (or helm.sh/resource-policy: keep);
//   controller/appcontroller.go:1621-1626 an Application whose project does not exist has an error
//                                condition: health Unknown; gitops-engine (4c6e03c46314)
//                                pkg/sync/sync_context.go:431-445 waits for a wave's objects to be
//                                Healthy (or Degraded) before the next: an Unknown one holds it forever.

export interface TrackedObject {
  apiVersion?: string;
  kind: string;
  metadata: { name: string; namespace?: string; annotations?: Record<string, string> };
  [key: string]: unknown;
}

const SYNC_OPTIONS = "argocd.argoproj.io/sync-options";
const COMPARE_OPTIONS = "argocd.argoproj.io/compare-options";

/** resourceutil.HasAnnotationOption: the comma-separated annotation names the option. */
export function hasAnnotationOption(object: TrackedObject, annotation: string, option: string): boolean {
  const value = object.metadata.annotations?.[annotation];
  return value !== undefined && value.split(",").some((o) => o.trim() === option);
}

const group = (apiVersion = "") => (apiVersion.includes("/") ? apiVersion.split("/")[0]! : "");
/** kube.ResourceKey: group, kind, namespace, name. */
export const resourceKey = (o: TrackedObject) =>
  `${group(o.apiVersion)}/${o.kind}/${o.metadata.namespace ?? ""}/${o.metadata.name}`;

const byKey = (objects: TrackedObject[]) => new Map(objects.map((o) => [resourceKey(o), o]));

/** The objects left after a sync with prune: the targets, and the extraneous ones marked Prune=false. */
export function syncWithPrune(targets: TrackedObject[], live: TrackedObject[]): TrackedObject[] {
  const wanted = byKey(targets);
  const kept = live.filter(
    (o) => !wanted.has(resourceKey(o)) && hasAnnotationOption(o, SYNC_OPTIONS, "Prune=false"),
  );
  return [...targets, ...kept];
}

/** The Application's sync status over these objects (a live object equal to its target is in sync). */
export function syncStatus(targets: TrackedObject[], live: TrackedObject[]): "Synced" | "OutOfSync" {
  const wanted = byKey(targets);
  const present = byKey(live);
  for (const [key, target] of wanted) {
    const actual = present.get(key);
    if (!actual || JSON.stringify(actual) !== JSON.stringify(target)) return "OutOfSync";
  }
  for (const [key, actual] of present) {
    if (wanted.has(key)) continue;
    // needsPruning: OutOfSync unless the object asks to be ignored as extraneous
    if (!hasAnnotationOption(actual, COMPARE_OPTIONS, "IgnoreExtraneous")) return "OutOfSync";
  }
  return "Synced";
}

/** Whether a cascading delete of the Application deletes this object. */
export function deletedWithApplication(object: TrackedObject): boolean {
  const crd =
    object.kind === "CustomResourceDefinition" && group(object.apiVersion) === "apiextensions.k8s.io";
  return (
    !crd &&
    !hasAnnotationOption(object, SYNC_OPTIONS, "Delete=false") &&
    object.metadata.annotations?.["helm.sh/resource-policy"] !== "keep"
  );
}

/**
 * Argo CD deletes an Application's objects with it only when it carries a propagation-policy
 * finalizer (pkg/apis/application/v1alpha1/types.go:2894-2905, application_defaults.go:17-19).
 */
export const cascades = (application: { metadata: { finalizers?: string[] } }) =>
  (application.metadata.finalizers ?? []).some((f) =>
    [
      "resources-finalizer.argocd.argoproj.io",
      "resources-finalizer.argocd.argoproj.io/foreground",
      "resources-finalizer.argocd.argoproj.io/background",
    ].includes(f),
  );

const waveOf = (o: TrackedObject) => Number(o.metadata.annotations?.["argocd.argoproj.io/sync-wave"] ?? 0);

/**
 * Why the root Application's sync would never get past a wave: an Application (or the template of
 * an ApplicationSet) naming a project that is created in a later wave, or nowhere.
 */
export function rootSyncDeadlocks(objects: TrackedObject[]): string[] {
  const projects = new Map(
    objects.filter((o) => o.kind === "AppProject").map((o) => [o.metadata.name, waveOf(o)]),
  );
  const problems: string[] = [];
  for (const o of objects) {
    const spec = o.spec as { project?: string; template?: { spec?: { project?: string } } } | undefined;
    const project =
      o.kind === "Application"
        ? spec?.project
        : o.kind === "ApplicationSet"
          ? spec?.template?.spec?.project
          : undefined;
    if (project === undefined || project === "default") continue;
    const at = projects.get(project);
    if (at === undefined)
      problems.push(`${o.kind} ${o.metadata.name} names project ${project}, which the sync never creates`);
    else if (at > waveOf(o))
      problems.push(
        `${o.kind} ${o.metadata.name} (wave ${waveOf(o)}) names project ${project}, created in the later wave ${at}: it stays Unknown and its wave never completes`,
      );
  }
  return problems;
}

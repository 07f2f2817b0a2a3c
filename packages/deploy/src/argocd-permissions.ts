// Argo CD's decision whether an Application may apply an object, ported from argo-cd v2.13.9
// (a70b2293) so tests can put every rendered object through it:
//   pkg/apis/application/v1alpha1/app_project_types.go:381-400 IsGroupKindPermitted,
//   :427-436 globMatch, :464-502 IsDestinationPermitted / isDestinationMatched, :504 isDenyPattern;
//   controller/state.go:321-337 (a namespaced object without a namespace gets the destination's);
//   controller/sync.go:330-347 the sync's permission validator (kind, then the object's own namespace).

export interface GroupKind {
  group: string;
  kind: string;
}

export interface ProjectSpec {
  destinations?: { server?: string; name?: string; namespace?: string }[];
  clusterResourceWhitelist?: GroupKind[];
  clusterResourceBlacklist?: GroupKind[];
  namespaceResourceWhitelist?: GroupKind[];
  namespaceResourceBlacklist?: GroupKind[];
}

export interface Destination {
  server?: string;
  name?: string;
  namespace?: string;
}

/** Kinds a cluster scopes (no namespace): the ones a rendered tree could hold or an attacker could add. */
export const CLUSTER_SCOPED = new Set([
  "/Namespace",
  "/Node",
  "/PersistentVolume",
  "rbac.authorization.k8s.io/ClusterRole",
  "rbac.authorization.k8s.io/ClusterRoleBinding",
  "apiextensions.k8s.io/CustomResourceDefinition",
  "admissionregistration.k8s.io/MutatingWebhookConfiguration",
  "admissionregistration.k8s.io/ValidatingWebhookConfiguration",
  "storage.k8s.io/StorageClass",
  "scheduling.k8s.io/PriorityClass",
  "networking.k8s.io/IngressClass",
]);

export const isNamespaced = (group: string, kind: string) => !CLUSTER_SCOPED.has(`${group}/${kind}`);

/** gobwas/glob without separators, as Argo CD compiles destination patterns: `*`, `?`, `[..]`, `{a,b}`. */
function globRegExp(pattern: string): RegExp {
  let out = "";
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i]!;
    if (c === "*") out += "[\\s\\S]*";
    else if (c === "?") out += "[\\s\\S]";
    else if (c === "[") {
      const end = pattern.indexOf("]", i + 1);
      if (end < 0) throw new Error(`bad glob ${pattern}`);
      const body = pattern.slice(i + 1, end);
      out += `[${body.startsWith("!") ? `^${body.slice(1)}` : body}]`;
      i = end;
    } else if (c === "{") {
      const end = pattern.indexOf("}", i + 1);
      if (end < 0) throw new Error(`bad glob ${pattern}`);
      out += `(?:${pattern
        .slice(i + 1, end)
        .split(",")
        .map((alt) => alt.replace(/[.*+?^${}()|[\]\\]/g, "\\$&"))
        .join("|")})`;
      i = end;
    } else out += c.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
  }
  return new RegExp(`^${out}$`);
}

/** app_project_types.go:427-436: `*` short-circuits; a leading `!` negates when allowed; a bad pattern matches nothing. */
export function globMatch(pattern: string, value: string, allowNegation: boolean): boolean {
  let negated = false;
  if (allowNegation && pattern.startsWith("!")) {
    negated = true;
    pattern = pattern.slice(1);
  }
  if (pattern === "*") return !negated;
  let matched: boolean;
  try {
    matched = globRegExp(pattern).test(value);
  } catch {
    return false;
  }
  return negated ? !matched : matched;
}

const inList = (gk: GroupKind, list: GroupKind[]) =>
  list.some((item) => globMatch(item.kind, gk.kind, false) && globMatch(item.group, gk.group, false));

/**
 * IsGroupKindPermitted: a namespaced kind passes an absent whitelist (an empty one admits nothing);
 * a cluster-scoped kind needs a non-empty whitelist naming it; the blacklist always wins.
 */
export function isGroupKindPermitted(project: ProjectSpec, gk: GroupKind, namespaced: boolean): boolean {
  if (namespaced) {
    const white = project.namespaceResourceWhitelist;
    const black = project.namespaceResourceBlacklist ?? [];
    const whiteListed = white === undefined || (white.length !== 0 && inList(gk, white));
    return whiteListed && !(black.length !== 0 && inList(gk, black));
  }
  const white = project.clusterResourceWhitelist ?? [];
  const black = project.clusterResourceBlacklist ?? [];
  return white.length !== 0 && inList(gk, white) && !(black.length !== 0 && inList(gk, black));
}

const isDenyPattern = (pattern: string | undefined) => (pattern ?? "").startsWith("!");

/** IsDestinationPermitted: some entry matches (server or name, and namespace) and no `!` entry excludes it. */
export function isDestinationPermitted(project: ProjectSpec, destination: Destination): boolean {
  let anyMatched = false;
  let noDenyMatched = true;
  for (const item of project.destinations ?? []) {
    const nameMatched = !!destination.name && globMatch(item.name ?? "", destination.name, true);
    const serverMatched = !!destination.server && globMatch(item.server ?? "", destination.server, true);
    const namespaceMatched = globMatch(item.namespace ?? "", destination.namespace ?? "", true);
    const matched = (serverMatched || nameMatched) && namespaceMatched;
    if (matched) anyMatched = true;
    else if (
      (!nameMatched && isDenyPattern(item.name)) ||
      (!serverMatched && isDenyPattern(item.server)) ||
      (!namespaceMatched && isDenyPattern(item.namespace))
    )
      noDenyMatched = false;
  }
  return anyMatched && noDenyMatched;
}

export interface ManagedObject {
  apiVersion: string;
  kind: string;
  metadata: { name?: string; namespace?: string };
}

/**
 * Why Argo CD's sync refuses to apply `object` for an Application of `projectName` whose
 * destination is `destination`, in its own words; undefined when it is permitted.
 */
export function syncRefusal(
  projectName: string,
  project: ProjectSpec,
  destination: Destination,
  object: ManagedObject,
): string | undefined {
  const group = object.apiVersion.includes("/") ? object.apiVersion.split("/")[0]! : "";
  const namespaced = isNamespaced(group, object.kind);
  if (!isGroupKindPermitted(project, { group, kind: object.kind }, namespaced))
    return `resource ${group}:${object.kind} is not permitted in project ${projectName}`;
  if (!namespaced) return undefined;
  const namespace = object.metadata.namespace || destination.namespace || "";
  if (!isDestinationPermitted(project, { server: destination.server, name: destination.name, namespace }))
    return `namespace ${namespace} is not permitted in project '${projectName}'`;
  return undefined;
}

import { Namespace } from "kubernetes-models/v1";
import { NetworkPolicy } from "kubernetes-models/networking.k8s.io/v1";
import { MANAGED_BY, PART_OF, waveAnnotation, WAVE } from "../target.js";

const labels = (environment: string) => ({
  "app.kubernetes.io/part-of": PART_OF,
  "app.kubernetes.io/managed-by": MANAGED_BY,
  "lockstep.dev/environment": environment,
});

/**
 * The environment's namespace, held to the restricted Pod Security Standard. `keep`: never deleted
 * by Argo CD, whatever happens to its Application (it holds the Secrets an operator created by
 * hand); a preview's namespace goes with its pull request.
 */
export function namespace(name: string, environment: string, options: { keep?: boolean } = {}): Namespace {
  return new Namespace({
    metadata: {
      name,
      labels: {
        ...labels(environment),
        "pod-security.kubernetes.io/enforce": "restricted",
        "pod-security.kubernetes.io/enforce-version": "latest",
      },
      annotations: {
        ...waveAnnotation(WAVE.namespace),
        // gitops-engine's Delete=false: skipped on cascade delete and prune (controller/appcontroller.go:1102-1106)
        ...(options.keep ? { "argocd.argoproj.io/sync-options": "Delete=false" } : {}),
      },
    },
  });
}

/** Nothing in or out unless a model's own policy allows it. */
export function defaultDeny(environment: string): NetworkPolicy {
  return new NetworkPolicy({
    metadata: {
      name: "default-deny",
      labels: labels(environment),
      annotations: waveAnnotation(WAVE.namespace),
    },
    spec: { podSelector: {}, policyTypes: ["Ingress", "Egress"] },
  });
}

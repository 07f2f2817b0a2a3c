/**
 * The in-toto statement actions/attest-build-provenance records for an artifact (SLSA provenance
 * v1, its predicate's layout), built by `workflow` of `repository` at `ref`.
 */
export function provenanceStatement(
  sha256: string,
  options: { repository?: string; workflow?: string; ref?: string; commit?: string; run?: string } = {},
) {
  const repository = options.repository ?? "https://github.com/acme/models";
  const ref = options.ref ?? "refs/heads/main";
  return {
    _type: "https://in-toto.io/Statement/v1",
    subject: [{ name: `${sha256}.onnx`, digest: { sha256 } }],
    predicateType: "https://slsa.dev/provenance/v1",
    predicate: {
      buildDefinition: {
        buildType: "https://actions.github.io/buildtypes/workflow/v1",
        externalParameters: {
          workflow: { ref, repository, path: options.workflow ?? ".github/workflows/train.yml" },
        },
        resolvedDependencies: options.commit
          ? [{ uri: `git+${repository}@${ref}`, digest: { gitCommit: options.commit } }]
          : [],
      },
      runDetails: {
        builder: { id: `${repository}/.github/workflows/train.yml@${ref}` },
        metadata: { invocationId: options.run ?? `${repository}/actions/runs/42/attempts/1` },
      },
    },
  };
}

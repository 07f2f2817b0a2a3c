import { resources, type SynthResult } from "./synth.js";

/**
 * Each service account's roles as `role@resource` (bucket, state-bucket, registry, kms-key,
 * folder, itself), read from every binding and member synthesized: what the account can do.
 */
export function accountRoles(result: SynthResult): Record<string, string[]> {
  const byRef = (member: string): string => {
    // a member is serviceAccount:${yandex_iam_service_account.<component>_account_<hash>.id}
    const match = /yandex_iam_service_account\.([a-z-]+)_account_/.exec(member);
    if (!match) throw new Error(`member ${member} is not one of the stack's service accounts`);
    return `lockstep-${match[1]}`;
  };
  const out: Record<string, string[]> = {};
  const add = (member: string, role: string, on: string) => (out[byRef(member)] ??= []).push(`${role}@${on}`);
  for (const [type, on] of [
    ["yandex_storage_bucket_iam_binding", "bucket"],
    ["yandex_container_registry_iam_binding", "registry"],
  ] as const)
    for (const { value } of resources(result, type))
      for (const m of value.members)
        // the state bucket apart: only the plan account may read it
        add(m, value.role, /state_bucket/.test(String(value.bucket)) ? "state-bucket" : on);
  for (const [type, on] of [
    ["yandex_kms_symmetric_key_iam_member", "kms-key"],
    ["yandex_resourcemanager_folder_iam_member", "folder"],
    ["yandex_iam_service_account_iam_member", "itself"],
  ] as const)
    for (const { value } of resources(result, type)) add(value.member, value.role, on);
  for (const roles of Object.values(out)) roles.sort();
  return out;
}

import { resources, type SynthResult } from "./synth.js";

/**
 * Each service account's roles as `role@resource` (bucket, state-bucket, registry, kms-key,
 * folder, itself, lockbox-secret:<name>), read from every binding and member synthesized: what the account can do.
 */
export function accountRoles(result: SynthResult): Record<string, string[]> {
  const byRef = (member: string): string => {
    // a member is serviceAccount:${yandex_iam_service_account.<component>_account_<hash>.id}
    // (from another stack: ${data.terraform_remote_state…cross-stack-output-yandex_iam_service_account<component>_account_<hash>id})
    const match = /yandex_iam_service_account\.?([a-z-]+)_account_/.exec(member);
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
  // a Lockbox secret by its name without the prefix: lockbox-secret:redis-password
  for (const { stack, value } of resources(result, "yandex_lockbox_secret_iam_member")) {
    const local = /^\$\{yandex_lockbox_secret\.([\w-]+)\.id\}$/.exec(value.secret_id);
    if (!local) throw new Error(`secret ${value.secret_id} is not one of its stack's secrets`);
    const secret = (result.json[stack].resource?.yandex_lockbox_secret ?? {})[local[1]!] as { name: string };
    add(value.member, value.role, `lockbox-secret:${secret.name.replace(/^lockstep-/, "")}`);
  }
  for (const roles of Object.values(out)) roles.sort();
  return out;
}

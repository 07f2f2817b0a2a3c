import { Construct } from "constructs";
import { ContainerRegistryIamBinding } from "../yandex/registry.js";
import { FolderIamMember, IamServiceAccount, ServiceAccountIamMember } from "../yandex/iam.js";
import { KmsSymmetricKeyIamMember, StorageBucketIamBinding } from "../yandex/storage.js";

/** Where a role is granted: the narrowest resource Yandex lets a role be bound on. */
export type RoleScope =
  /** `label` names the binding when a role is bound on more than one bucket. */
  | { on: "bucket"; bucket: string; label?: string }
  /** The account itself (e.g. access keys of its own and no other's). */
  | { on: "itself" }
  | { on: "kms-key"; keyId: string }
  | { on: "registry"; registryId: string }
  | { on: "folder"; folderId: string };

export interface RoleGrant {
  role: string;
  scope: RoleScope;
}

/** One component's service account and exactly the roles it is to hold, each on its resource. */
export class ServiceAccount extends Construct {
  readonly account: IamServiceAccount;
  readonly grants: readonly RoleGrant[];

  constructor(
    scope: Construct,
    id: string,
    props: { name: string; folderId: string; description: string; grants: RoleGrant[] },
  ) {
    super(scope, id);
    this.account = new IamServiceAccount(this, "account", {
      name: props.name,
      folder_id: props.folderId,
      description: props.description,
    });
    this.grants = props.grants;
  }

  get id(): string {
    return this.account.id;
  }

  get member(): string {
    return `serviceAccount:${this.account.id}`;
  }
}

const slug = (text: string) => text.replace(/[^a-z0-9]+/gi, "-").toLowerCase();

/**
 * Grants every account its roles. Bucket and registry bindings are authoritative for their
 * (resource, role), so each pair gets one binding listing every account that holds it; KMS keys
 * and the folder take a member per account.
 */
export function grantRoles(scope: Construct, accounts: readonly ServiceAccount[]): void {
  const bindings = new Map<string, { scope: RoleScope; role: string; members: string[]; id: string }>();
  for (const account of accounts) {
    for (const { role, scope: where } of account.grants) {
      if (where.on === "kms-key") {
        new KmsSymmetricKeyIamMember(account, slug(role), {
          symmetric_key_id: where.keyId,
          role,
          member: account.member,
        });
      } else if (where.on === "itself") {
        new ServiceAccountIamMember(account, `itself-${slug(role)}`, {
          service_account_id: account.id,
          role,
          member: account.member,
        });
      } else if (where.on === "folder") {
        new FolderIamMember(account, slug(role), { folder_id: where.folderId, role, member: account.member });
      } else {
        const key = `${where.on}:${where.on === "bucket" ? where.bucket : where.registryId}:${role}`;
        const entry = bindings.get(key) ?? {
          scope: where,
          role,
          members: [],
          id: `${where.on}-${where.on === "bucket" && where.label ? `${where.label}-` : ""}${slug(role)}`,
        };
        entry.members.push(account.member);
        bindings.set(key, entry);
      }
    }
  }
  for (const { scope: where, role, members, id } of bindings.values()) {
    if (where.on === "bucket")
      new StorageBucketIamBinding(scope, id, { bucket: where.bucket, role, members });
    if (where.on === "registry")
      new ContainerRegistryIamBinding(scope, id, { registry_id: where.registryId, role, members });
  }
}

import { randomBytes, randomUUID } from "node:crypto";

/** One AppRole the fake accepts logins for. */
export interface FakeAppRole {
  readonly roleId: string;
  /** SecretIDs issued for the role; a login must present one of them. */
  readonly secretIds: readonly string[];
  /** Auth mount path; default `approle`. */
  readonly mount?: string;
  /** Namespace the mount is enabled in; default the root (""). */
  readonly namespace?: string;
  /** `token_ttl` in seconds: the client token's lease; default 3600. 0 issues tokens without TTL. */
  readonly tokenTtlSeconds?: number;
  /**
   * `token_policies`; default `["default", "kv-write"]`. The fake grants `default` the token's own
   * `auth/token/lookup-self` (as Vault's default policy does) and `kv-write` every KV v2 path.
   */
  readonly policies?: readonly string[];
}

/** A client token the fake issued at login. */
export interface FakeIssuedToken {
  readonly namespace: string;
  readonly policies: readonly string[];
  /** `Date.now()` when the lease ends; undefined for a token without TTL. */
  readonly expiresAt: number | undefined;
  readonly roleName: string;
}

/** What a login answered: the status and Vault's body. */
export interface FakeLoginAnswer {
  readonly status: number;
  readonly body: unknown;
}

/** AppRole auth mounts and the tokens their logins issued. */
export interface FakeAppRoleAuth {
  /** Whether `auth/<mount>/login` is an enabled AppRole login path in `namespace`. */
  isLoginPath(namespace: string, apiPath: string): boolean;
  /** `POST auth/<mount>/login` with `{ role_id, secret_id }`, as Vault answers it. */
  login(namespace: string, apiPath: string, body: string): FakeLoginAnswer;
  /** The issued token, if it exists, has not expired and was issued in `namespace`. */
  token(token: string, namespace: string): FakeIssuedToken | undefined;
  /** Ends the lease of every issued token now (as if their TTL had passed). */
  expireAll(): void;
  /** Logins answered 200 so far. */
  readonly logins: number;
}

const mountOf = (role: FakeAppRole) => (role.mount ?? "approle").replace(/^\/+|\/+$/g, "");

/**
 * The AppRole auth method as Vault answers it: a login presents a RoleID and one of the role's
 * SecretIDs and gets a service token (`hvs.…`) with the role's policies and `token_ttl` lease,
 * valid in the namespace it logged in to. Wrong ids answer 400 "invalid role or secret ID" (Vault
 * does not say which), missing ones 400 "missing role_id" / "missing secret_id".
 */
export function createAppRoleAuth(roles: readonly FakeAppRole[], now: () => number = Date.now): FakeAppRoleAuth {
  const issued = new Map<string, FakeIssuedToken & { expiresAt: number | undefined }>();
  let logins = 0;
  const loginPath = (namespace: string, apiPath: string) =>
    roles.find((role) => (role.namespace ?? "") === namespace && apiPath === `auth/${mountOf(role)}/login`);

  return {
    get logins() {
      return logins;
    },
    isLoginPath: (namespace, apiPath) => loginPath(namespace, apiPath) !== undefined,
    login(namespace, apiPath, body) {
      let input: { role_id?: unknown; secret_id?: unknown };
      try {
        input = JSON.parse(body || "{}");
      } catch {
        return { status: 400, body: { errors: ["failed to parse JSON input: invalid character"] } };
      }
      const mount = mountOf(loginPath(namespace, apiPath)!);
      if (typeof input.role_id !== "string" || input.role_id === "")
        return { status: 400, body: { errors: ["missing role_id"] } };
      const role = roles.find(
        (r) => (r.namespace ?? "") === namespace && mountOf(r) === mount && r.roleId === input.role_id,
      );
      if (typeof input.secret_id !== "string" || input.secret_id === "")
        return { status: 400, body: { errors: ["missing secret_id"] } };
      if (!role?.secretIds.includes(input.secret_id))
        return { status: 400, body: { errors: ["invalid role or secret ID"] } };
      const ttl = role.tokenTtlSeconds ?? 3600;
      const policies = role.policies ?? ["default", "kv-write"];
      const token = `hvs.${randomBytes(18).toString("base64url")}`;
      issued.set(token, {
        namespace,
        policies,
        expiresAt: ttl > 0 ? now() + ttl * 1000 : undefined,
        roleName: `role-${role.roleId.slice(0, 8)}`,
      });
      logins += 1;
      return {
        status: 200,
        body: {
          request_id: randomUUID(),
          lease_id: "",
          renewable: false,
          lease_duration: 0,
          data: null,
          wrap_info: null,
          warnings: null,
          auth: {
            client_token: token,
            accessor: randomUUID(),
            policies,
            token_policies: policies,
            metadata: { role_name: `role-${role.roleId.slice(0, 8)}` },
            lease_duration: ttl,
            renewable: true,
            entity_id: randomUUID(),
            token_type: "service",
            orphan: true,
            mfa_requirement: null,
            num_uses: 0,
          },
          mount_type: "",
        },
      };
    },
    token(token, namespace) {
      const found = issued.get(token);
      if (!found || found.namespace !== namespace) return undefined;
      if (found.expiresAt !== undefined && found.expiresAt <= now()) {
        issued.delete(token);
        return undefined;
      }
      return found;
    },
    expireAll() {
      for (const [token, found] of issued) issued.set(token, { ...found, expiresAt: now() });
    },
  };
}

import { randomBytes, randomUUID } from "node:crypto";
import { create, toBinary } from "@bufbuild/protobuf";
import { ConnectionCredentialsSchema } from "@syncline/gen/syncline/connections/v1/resources_pb.js";
import { describe, expect, it } from "vitest";
import { createCredentialSealer } from "./credential-sealer.ts";

const credentials = (token: string) =>
  create(ConnectionCredentialsSchema, {
    app: { case: "vault", value: { instanceUrl: "https://vault:8200", method: { case: "token", value: { token } } } },
  });

describe("credential sealer", () => {
  const key = randomBytes(32);
  const sealer = createCredentialSealer(key);

  it("round-trips credentials for the same connection id, and hides them in the sealed bytes", () => {
    const id = randomUUID();
    const { sealed } = sealer.seal(id, credentials("s3cr3t-token-value"));
    expect(sealed.toString("latin1")).not.toContain("s3cr3t-token-value");
    expect(sealer.open(id, sealed)).toEqual(credentials("s3cr3t-token-value"));
  });

  it("refuses to open under another connection id or another key, without echoing the credentials", () => {
    const id = randomUUID();
    const { sealed } = sealer.seal(id, credentials("s3cr3t-token-value"));
    expect(() => sealer.open(randomUUID(), sealed)).toThrow(/cannot open the sealed credentials/);
    expect(() => createCredentialSealer(randomBytes(32)).open(id, sealed)).toThrow(
      /SYNCLINE_CONNECTIONS_ENCRYPTION_KEY/,
    );
  });

  it("fingerprints by content under the deployment key, ignoring unknown fields", () => {
    const a = sealer.seal(randomUUID(), credentials("token-a")).fingerprint;
    expect(sealer.seal(randomUUID(), credentials("token-a")).fingerprint).toBe(a);
    expect(sealer.seal(randomUUID(), credentials("token-b")).fingerprint).not.toBe(a);
    expect(createCredentialSealer(randomBytes(32)).seal(randomUUID(), credentials("token-a")).fingerprint).not.toBe(a);

    const withUnknown = credentials("token-a");
    withUnknown.$unknown = [{ no: 99, wireType: 2, data: new Uint8Array([1, 120]) }];
    const id = randomUUID();
    const sealed = sealer.seal(id, withUnknown);
    expect(sealed.fingerprint).toBe(a);
    expect(toBinary(ConnectionCredentialsSchema, sealer.open(id, sealed.sealed))).toEqual(
      toBinary(ConnectionCredentialsSchema, credentials("token-a")),
    );
  });
});

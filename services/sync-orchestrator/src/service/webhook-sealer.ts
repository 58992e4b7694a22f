import type { RootKeys } from "@syncline/config/root-keys";
import { createRootKeyring, createValueCipher, generateDataKey } from "@syncline/crypto";

/** What the store keeps of an endpoint's URL and signing secret. */
export interface SealedWebhook {
  readonly sealedUrl: Buffer;
  readonly sealedSecret: Buffer;
  readonly rootKeyId: string;
  readonly wrappedDataKey: Buffer;
}

/** An endpoint's URL and signing secret in the clear: only the dispatcher and the create/rotate answers see them. */
export interface OpenWebhook {
  readonly url: string;
  readonly secret: string;
}

/**
 * Envelope encryption of webhook URLs (a Slack URL is a credential) and signing secrets, as the
 * secrets and connections services seal theirs: AES-256-GCM under a data key per endpoint (fresh at
 * every seal), bound to the endpoint id as associated data, wrapped by the orchestrator's root key
 * (`SYNCLINE_ORCHESTRATOR_ROOT_KEY`; the previous key still opens during a rotation).
 */
export function createWebhookSealer(rootKeys: RootKeys) {
  const keyring = createRootKeyring(rootKeys.current, rootKeys.previous);
  const aad = (endpointId: string, field: string) => `syncline/webhook/${endpointId}/${field}`;
  const context = (endpointId: string) => `webhook/${endpointId}`;
  return {
    seal(endpointId: string, open: OpenWebhook): SealedWebhook {
      const dataKey = generateDataKey();
      try {
        const cipher = createValueCipher(dataKey);
        const wrapped = keyring.wrap(dataKey, context(endpointId));
        return {
          sealedUrl: cipher.seal(Buffer.from(open.url), aad(endpointId, "url")),
          sealedSecret: cipher.seal(Buffer.from(open.secret), aad(endpointId, "secret")),
          rootKeyId: wrapped.rootKeyId,
          wrappedDataKey: wrapped.wrapped,
        };
      } finally {
        dataKey.fill(0);
      }
    },
    /** Throws when the root key is not held or the row was altered (the message names no value). */
    open(endpointId: string, sealed: SealedWebhook): OpenWebhook {
      const dataKey = keyring.unwrap(
        { rootKeyId: sealed.rootKeyId, wrapped: sealed.wrappedDataKey },
        context(endpointId),
      );
      try {
        const cipher = createValueCipher(dataKey);
        return {
          url: cipher.open(sealed.sealedUrl, aad(endpointId, "url")).toString("utf8"),
          secret: cipher.open(sealed.sealedSecret, aad(endpointId, "secret")).toString("utf8"),
        };
      } finally {
        dataKey.fill(0);
      }
    },
  };
}

export type WebhookSealer = ReturnType<typeof createWebhookSealer>;

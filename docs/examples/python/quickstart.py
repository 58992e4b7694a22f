"""Syncline from Python: project -> environment -> secret -> Vault connection -> sync, then one refusal.

Generate the client first (see docs/clients.md), from the repository root:

    buf generate --template proto/buf.gen.python.yaml -o /tmp/syncline-py
    PYTHONPATH=/tmp/syncline-py/gen/python SYNCLINE_TOKEN=<identity token> \
      VAULT_ADDR=http://127.0.0.1:8200 VAULT_TOKEN=<vault token> python3 docs/examples/python/quickstart.py

Environment:
  SYNCLINE_TOKEN                 identity token, sent as `authorization: Bearer <token>` (required)
  SYNCLINE_SECRETS_ADDRESS       default 127.0.0.1:50051
  SYNCLINE_CONNECTIONS_ADDRESS   default 127.0.0.1:50052
  SYNCLINE_ORCHESTRATOR_ADDRESS  default 127.0.0.1:50053
  SYNCLINE_TLS_CA_FILE           PEM CA the services' certificates chain to; set -> TLS
  SYNCLINE_TLS_CLIENT_CERT_FILE  with _KEY_FILE: the client certificate for mutual TLS
  SYNCLINE_TLS_CLIENT_KEY_FILE
  VAULT_ADDR, VAULT_TOKEN        the HashiCorp Vault (KV v2 at mount `secret`) the sync writes to
  SYNCLINE_EXAMPLE_NAME          names the project, connection, sync and Vault path (default `py-quickstart-<random>`)

Prints one line per step and, last, one JSON line with the ids and the refusal's code and fields.
Never prints the secret's value. Exits non-zero when a step fails or Vault does not hold the value in 60 s.
"""

import json
import os
import sys
import time
import urllib.request

import grpc
from google.rpc import error_details_pb2, status_pb2
from syncline.connections.v1 import connections_service_pb2, connections_service_pb2_grpc
from syncline.connections.v1 import resources_pb2 as connection_resources
from syncline.secrets.v1 import secrets_service_pb2, secrets_service_pb2_grpc
from syncline.syncs.v1 import resources_pb2 as sync_resources
from syncline.syncs.v1 import secret_syncs_service_pb2, secret_syncs_service_pb2_grpc


def channel(address):
    """An insecure channel, or TLS (mutual when a client certificate is given) when a CA is set."""
    ca_file = os.environ.get("SYNCLINE_TLS_CA_FILE")
    if not ca_file:
        return grpc.insecure_channel(address)
    cert_file = os.environ.get("SYNCLINE_TLS_CLIENT_CERT_FILE")
    key_file = os.environ.get("SYNCLINE_TLS_CLIENT_KEY_FILE")
    read = lambda path: open(path, "rb").read() if path else None  # noqa: E731
    credentials = grpc.ssl_channel_credentials(read(ca_file), read(key_file), read(cert_file))
    return grpc.secure_channel(address, credentials)


def refusal(error):
    """The status code name and the google.rpc details of a failed call (`grpc-status-details-bin`).

    Syncline sends ErrorInfo (reason = the error kind, domain `syncline`), the offending fields as
    BadRequest (PreconditionFailure for FAILED_PRECONDITION) and RetryInfo when it knows when to retry.
    """
    found = {"code": error.code().name, "message": error.details(), "reason": None, "fields": [], "retry_after": None}
    for key, value in error.trailing_metadata() or ():
        if key != "grpc-status-details-bin":
            continue
        for detail in status_pb2.Status.FromString(value).details:
            for kind in (
                error_details_pb2.ErrorInfo,
                error_details_pb2.BadRequest,
                error_details_pb2.PreconditionFailure,
                error_details_pb2.RetryInfo,
            ):
                if detail.Is(kind.DESCRIPTOR):
                    message = kind()
                    detail.Unpack(message)
                    break
            else:
                continue
            if isinstance(message, error_details_pb2.ErrorInfo):
                found["reason"] = message.reason
            elif isinstance(message, error_details_pb2.BadRequest):
                found["fields"] += [{"field": v.field, "description": v.description} for v in message.field_violations]
            elif isinstance(message, error_details_pb2.PreconditionFailure):
                found["fields"] += [{"field": v.subject, "description": v.description} for v in message.violations]
            else:
                found["retry_after"] = message.retry_delay.ToTimedelta().total_seconds()
    return found


def vault_read(path):
    """The data of a KV v2 secret at mount `secret`, or None while it does not exist."""
    request = urllib.request.Request(
        f"{os.environ['VAULT_ADDR']}/v1/secret/data/{path}", headers={"X-Vault-Token": os.environ["VAULT_TOKEN"]}
    )
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return json.load(response)["data"]["data"]
    except urllib.error.HTTPError as error:
        if error.code == 404:
            return None
        raise


def main():
    name = os.environ.get("SYNCLINE_EXAMPLE_NAME") or f"py-quickstart-{os.urandom(3).hex()}"
    auth = (("authorization", f"Bearer {os.environ['SYNCLINE_TOKEN']}"),)
    secrets = secrets_service_pb2_grpc.SecretsServiceStub(
        channel(os.environ.get("SYNCLINE_SECRETS_ADDRESS", "127.0.0.1:50051"))
    )
    connections = connections_service_pb2_grpc.ConnectionsServiceStub(
        channel(os.environ.get("SYNCLINE_CONNECTIONS_ADDRESS", "127.0.0.1:50052"))
    )
    syncs = secret_syncs_service_pb2_grpc.SecretSyncsServiceStub(
        channel(os.environ.get("SYNCLINE_ORCHESTRATOR_ADDRESS", "127.0.0.1:50053"))
    )

    project = secrets.CreateProject(secrets_service_pb2.CreateProjectRequest(name=name), metadata=auth).project
    print(f"project {project.id}")
    secrets.CreateEnvironment(
        secrets_service_pb2.CreateEnvironmentRequest(project_id=project.id, slug="dev", name="Development"),
        metadata=auth,
    )
    print("environment dev")
    value = f"s3cr3t-{time.time_ns()}"
    secrets.CreateSecret(
        secrets_service_pb2.CreateSecretRequest(
            project_id=project.id, environment="dev", path="/", key="DATABASE_URL", value=value
        ),
        metadata=auth,
    )
    print("secret dev:/DATABASE_URL")

    connection = connections.CreateAppConnection(
        connections_service_pb2.CreateAppConnectionRequest(
            project_id=project.id,
            name=f"{name}-vault",
            credentials=connection_resources.ConnectionCredentials(
                vault=connection_resources.VaultCredentials(
                    instance_url=os.environ["VAULT_ADDR"],
                    token=connection_resources.VaultTokenAuth(token=os.environ["VAULT_TOKEN"]),
                )
            ),
        ),
        metadata=auth,
    ).connection
    print(f"connection {connection.id}")

    vault_path = f"apps/{name}"
    sync = syncs.CreateSecretSync(
        secret_syncs_service_pb2.CreateSecretSyncRequest(
            project_id=project.id,
            name=f"{name}-sync",
            source=sync_resources.SyncSource(environment="dev", path="/"),
            connection_id=connection.id,
            destination_config=sync_resources.DestinationConfig(
                vault_kv=sync_resources.VaultKvDestinationConfig(mount="secret", path=vault_path)
            ),
            key_schema="APP_{{secretKey}}",
        ),
        metadata=auth,
    ).secret_sync
    print(f"sync {sync.id} (a new sync runs at once)")

    deadline = time.monotonic() + 60
    while (vault_read(vault_path) or {}).get("APP_DATABASE_URL") != value:
        if time.monotonic() > deadline:
            state = syncs.GetSecretSync(
                secret_syncs_service_pb2.GetSecretSyncRequest(secret_sync_id=sync.id), metadata=auth
            ).secret_sync.sync_status
            sys.exit(f"Vault secret/{vault_path} lacks APP_DATABASE_URL after 60 s; sync status: {state}")
        time.sleep(0.2)
    print(f"vault secret/{vault_path} holds APP_DATABASE_URL (equal to the source)")

    try:
        secrets.CreateSecret(
            secrets_service_pb2.CreateSecretRequest(
                project_id=project.id, environment="dev", path="api", key="1-not a key", value="x"
            ),
            metadata=auth,
        )
        sys.exit("an invalid secret was accepted")
    except grpc.RpcError as error:
        refused = refusal(error)
    print(f"refused: {refused['code']} ({refused['reason']})")
    for violation in refused["fields"]:
        print(f"  {violation['field']}: {violation['description']}")

    print(
        json.dumps(
            {
                "project_id": project.id,
                "connection_id": connection.id,
                "secret_sync_id": sync.id,
                "vault_path": vault_path,
                "refusal": refused,
            }
        )
    )


if __name__ == "__main__":
    main()

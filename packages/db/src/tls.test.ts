import { fileURLToPath } from "node:url";
import postgres from "postgres";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startRestartablePostgres, type RestartablePostgres } from "../../../test/support/restartable-postgres.ts";
import { createTestPki, type TestPki } from "../../../test/support/test-pki.ts";
import { openDatabase } from "./open-database.ts";
import { postgresTls } from "./tls.ts";

/** Any service's migrations: opening a database runs them, which is the first query over the connection. */
const migrationsFolder = fileURLToPath(new URL("../../../services/secrets/src/store/migrations", import.meta.url));
let pki: TestPki;
let server: RestartablePostgres;
let caFile: string;
let otherCaFile: string;
let databaseUrl: string;

beforeAll(async () => {
  pki = createTestPki();
  const ca = pki.authority("postgres-test-ca");
  caFile = ca.certFile;
  otherCaFile = pki.authority("postgres-other-ca").certFile;
  // Named localhost only: reached as 127.0.0.1, the name does not match.
  server = await startRestartablePostgres({
    tls: ca.issue("postgres-server", "server", { altNames: "DNS:localhost" }),
  });
  databaseUrl = await server.createDatabase("tls_test");
}, 120_000);

afterAll(async () => {
  await server?.destroy();
  pki?.remove();
});

/** Whether the server sees the test's own session (opened with `url`'s TLS settings) as encrypted. */
async function sessionEncrypted(url: string): Promise<boolean> {
  const tls = postgresTls(url);
  const sql = postgres(tls.url, { max: 1, ssl: tls.ssl, onnotice: () => {} });
  try {
    const [row] = await sql<{ ssl: boolean }[]>`select ssl from pg_stat_ssl where pid = pg_backend_pid()`;
    return row!.ssl;
  } finally {
    await sql.end();
  }
}

const withTls = (host: string, query: string) => {
  const url = new URL(databaseUrl);
  url.hostname = host;
  return `${url.toString()}?${query}`;
};

describe("PostgreSQL over TLS", () => {
  it("sslmode=verify-full with the server's CA connects, encrypted", async () => {
    const url = withTls("localhost", `sslmode=verify-full&sslrootcert=${encodeURIComponent(caFile)}`);
    const database = await openDatabase({ url, migrationsFolder });
    await database.close();
    expect(await sessionEncrypted(url)).toBe(true);
  });

  it("sslmode=require encrypts without a CA; no sslmode stays plaintext", async () => {
    expect(await sessionEncrypted(withTls("127.0.0.1", "sslmode=require"))).toBe(true);
    expect(await sessionEncrypted(databaseUrl)).toBe(false);
  });

  it("refuses a server whose certificate another CA signed, saying so without the URL's password", async () => {
    const url = withTls("localhost", `sslmode=verify-full&sslrootcert=${encodeURIComponent(otherCaFile)}`).replace(
      "postgres@",
      "postgres:pa55word-not-shown@",
    );
    const failure = await openDatabase({ url, migrationsFolder }).then(
      () => undefined,
      (error: Error) => error,
    );
    expect(failure?.message).toMatch(/PostgreSQL at localhost:\d+: the server's certificate failed verification/);
    expect(failure?.message).toContain(`sslrootcert=${otherCaFile}`);
    expect(failure?.message).not.toContain("pa55word-not-shown");
  });

  it("verify-full checks the host name; verify-ca does not", async () => {
    const ca = encodeURIComponent(caFile);
    expect(await sessionEncrypted(withTls("127.0.0.1", `sslmode=verify-ca&sslrootcert=${ca}`))).toBe(true);
    const failure = await openDatabase({
      url: withTls("127.0.0.1", `sslmode=verify-full&sslrootcert=${ca}`),
      migrationsFolder,
    }).then(
      () => undefined,
      (error: Error) => error,
    );
    expect(failure?.message).toContain("ERR_TLS_CERT_ALTNAME_INVALID");
  });

  it("names an unknown sslmode and an unreadable sslrootcert", () => {
    expect(() => postgresTls(withTls("127.0.0.1", "sslmode=verify"))).toThrow(/sslmode must be one of/);
    expect(() => postgresTls(withTls("127.0.0.1", "sslmode=verify-ca&sslrootcert=/nonexistent.crt"))).toThrow(
      "sslrootcert: cannot read /nonexistent.crt (ENOENT)",
    );
  });
});

import { createHmac } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { createServer, type IncomingHttpHeaders } from "node:http";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import dotenv from "dotenv";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runProcess, runSyncline } from "../support/cli-process.ts";
import { eventually } from "../support/eventually.ts";
import { freePort } from "../support/free-port.ts";
import { allServices } from "../support/starter.ts";
import { useSystem } from "../support/use-system.ts";

/**
 * The `syncline` CLI driven as a user drives it: the bin run as a child process (with the machine's
 * older node first on PATH), against the four services and the fake Vault.
 */
const system = useSystem({ name: "cli-e2e", services: allServices });
let home: string;
let projectId: string;

beforeAll(() => {
  home = mkdtempSync(join(tmpdir(), "syncline-cli-"));
});
afterAll(() => rmSync(home, { recursive: true, force: true }));

/** The environment of a user with no token: the addresses of the system, a profile file of their own. */
const userEnv = (extra: Record<string, string> = {}): NodeJS.ProcessEnv => ({
  PATH: "/usr/bin:/bin",
  HOME: home,
  SYNCLINE_CONFIG: join(home, "config.yaml"),
  SYNCLINE_SECRETS_ADDRESS: system.services.secrets.address,
  SYNCLINE_CONNECTIONS_ADDRESS: system.services.connections.address,
  SYNCLINE_ORCHESTRATOR_ADDRESS: system.services.orchestrator.address,
  ...extra,
});
const adminEnv = (extra: Record<string, string> = {}) => userEnv({ SYNCLINE_TOKEN: system.adminToken, ...extra });
const cli = (args: string[], options: { env?: NodeJS.ProcessEnv; input?: string; timeoutMs?: number } = {}) =>
  runSyncline(args, { env: options.env ?? adminEnv(), input: options.input, timeoutMs: options.timeoutMs });
const inProject = (args: string[], options: { input?: string } = {}) => cli([...args, "--project", projectId], options);

const uuid = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

describe("syncline: resources and output modes", () => {
  it("prints only the id with -o id, and the resource as JSON, YAML or a table", async () => {
    const created = await cli(["projects", "create", "cli-demo", "-o", "id"]);
    expect(created, created.stderr).toMatchObject({ code: 0, stderr: "" });
    projectId = created.stdout.trim();
    expect(created.stdout).toMatch(new RegExp(`^${uuid.source.slice(1, -1)}\\n$`));

    const env = await cli(["envs", "create", "prod", "--project", "cli-demo", "-o", "json"]); // a project by name
    expect(JSON.parse(env.stdout)).toMatchObject({ slug: "prod", projectId });
    const yaml = await cli(["projects", "get", projectId, "-o", "yaml"]);
    expect(yaml.stdout).toContain("name: cli-demo");
    const table = await cli(["projects", "list"]);
    expect(table.stdout.split("\n")[0]).toMatch(/^ID\s+NAME\s+REVISION\s+CREATED$/);
    expect(table.stdout).toMatch(new RegExp(`${projectId}\\s+cli-demo`));
  }, 300_000);

  it("reaches any RPC with call, request and response in JSON", async () => {
    const listed = await cli(["call", "SecretsService", "ListEnvironments", JSON.stringify({ projectId })]);
    expect(listed.code, listed.stderr).toBe(0);
    expect(JSON.parse(listed.stdout).environments.map((e: { slug: string }) => e.slug)).toEqual(["prod"]);
    const methods = await cli(["call", "SecretSyncsService"]);
    expect(methods.stdout.split("\n")).toContain("TriggerSync");
  }, 300_000);
});

describe("syncline: errors scripts can rely on", () => {
  /** One line on stderr, the exit code, and what the line must say. */
  const expectFailure = (result: { code: number | null; stderr: string }, code: number, ...says: string[]) => {
    expect(result.code, result.stderr).toBe(code);
    expect(result.stderr.trimEnd().split("\n"), result.stderr).toHaveLength(1);
    expect(result.stderr).not.toMatch(/\n\s+at /); // no stack trace
    for (const text of says) expect(result.stderr).toContain(text);
  };

  it("names the status, every field at fault and the fix", async () => {
    expectFailure(
      await cli(["whoami"], { env: userEnv() }),
      4,
      "UNAUTHENTICATED",
      ".syncline/local.env",
      "SYNCLINE_TOKEN",
    );
    expectFailure(await cli(["whoami"], { env: adminEnv({ SYNCLINE_TOKEN: "not-a-token" }) }), 4, "expired or revoked");
    expectFailure(await inProject(["envs", "create", "Not A Slug"]), 2, "INVALID_ARGUMENT", "slug:");
    expectFailure(await inProject(["secrets", "get", "NOPE", "--env", "prod"]), 3, "NOT_FOUND");
    const port = await freePort();
    expectFailure(
      await cli(["projects", "list", "--secrets-address", `127.0.0.1:${port}`]),
      5,
      "UNAVAILABLE",
      `tried SecretsService at 127.0.0.1:${port}`,
      "--secrets-address",
    );
    expectFailure(await cli(["call", "SecretsService", "CreateProject", "{name:"]), 2, "<json> is not valid JSON");
    expectFailure(
      await inProject(["syncs", "create", "x", "--destination", "nowhere", "--config", "{}"]),
      2,
      "vault-kv",
    );
    const unknown = await cli(["projects", "frobnicate"]);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain("unknown command");
  }, 300_000);
});

describe("syncline: configuration", () => {
  it("takes flags over environment variables over the profile, and keeps named profiles", async () => {
    const saved = await cli(["profile", "set", "--token", system.adminToken, "--project", projectId], {
      env: userEnv(),
    });
    expect(saved.code, saved.stderr).toBe(0);
    expect(statSync(join(home, "config.yaml")).mode & 0o777).toBe(0o600);
    const fromProfile = await cli(["whoami", "-o", "json"], { env: userEnv() });
    expect(JSON.parse(fromProfile.stdout).identity.name).toBe("test-admin");
    expect((await cli(["envs", "list", "-o", "id"], { env: userEnv() })).stdout).toBe("prod\n"); // the profile's project

    const envWins = await cli(["whoami"], { env: userEnv({ SYNCLINE_TOKEN: "wrong" }) });
    expect(envWins.code).toBe(4);
    const flagWins = await cli(["whoami", "--token", system.adminToken], { env: userEnv({ SYNCLINE_TOKEN: "wrong" }) });
    expect(flagWins.code, flagWins.stderr).toBe(0);

    await cli(["profile", "set", "--profile", "stale", "--token", "revoked-long-ago"], { env: userEnv() });
    expect((await cli(["profile", "use", "stale"], { env: userEnv() })).code).toBe(0);
    expect((await cli(["whoami"], { env: userEnv() })).code).toBe(4);
    expect((await cli(["whoami", "--profile", "default"], { env: userEnv() })).code).toBe(0);
    const shown = await cli(["profile", "show", "-o", "json"], { env: userEnv() });
    const settings = JSON.parse(shown.stdout).settings as { setting: string; source: string; value: string }[];
    expect(settings.find((s) => s.setting === "token")).toMatchObject({
      source: "profile",
      value: "set (16 characters)",
    });
    expect(shown.stdout).not.toContain("revoked-long-ago");
    expect(settings.find((s) => s.setting === "secrets-address")).toMatchObject({ source: "env" });
    expect((await cli(["profile", "use", "default"], { env: userEnv() })).code).toBe(0);
  }, 300_000);
});

describe("syncline: dotenv files", () => {
  it("imports and exports values with quotes, newlines, # and = exactly", async () => {
    const file = [
      "# a comment",
      "PLAIN=abc123",
      "export EQUALS=a=b=c",
      "HASH='pass#word'",
      'QUOTES=`it\'s "quoted"`',
      "SPACES='  padded  '",
      'PEM="-----BEGIN KEY-----\\nabc\\n-----END KEY-----"',
      "",
    ].join("\n");
    const expected = {
      PLAIN: "abc123",
      EQUALS: "a=b=c",
      HASH: "pass#word",
      QUOTES: `it's "quoted"`,
      SPACES: "  padded  ",
      PEM: "-----BEGIN KEY-----\nabc\n-----END KEY-----",
    };
    const where = ["--env", "prod", "--path", "/dotenv"];
    const imported = await inProject(["secrets", "import", "-", ...where], { input: file });
    expect(imported.code, imported.stderr).toBe(0);
    expect(imported.stderr).toContain("imported 6 secrets");

    await inProject(["secrets", "set", "PLAIN", "changed", ...where]);
    const versions = await inProject(["secrets", "versions", "PLAIN", "-o", "id", ...where]);
    expect(versions.stdout).toBe("2\n1\n");
    const rolledBack = await inProject(["secrets", "rollback", "PLAIN", "1", "-o", "json", ...where]);
    expect(JSON.parse(rolledBack.stdout)).toMatchObject({ key: "PLAIN", version: "3" });

    const pem = await inProject(["secrets", "get", "PEM", "--raw", ...where]);
    expect(pem.stdout).toBe(expected.PEM);
    const exported = await inProject(["secrets", "export", ...where]);
    expect(exported.code, exported.stderr).toBe(0);
    expect(dotenv.parse(exported.stdout)).toEqual(expected);

    // Round trip: the export imported elsewhere holds the same values.
    const again = await inProject(["secrets", "import", "-", "--env", "prod", "--path", "/copy"], {
      input: exported.stdout,
    });
    expect(again.code, again.stderr).toBe(0);
    const listed = await inProject(["secrets", "list", "--values", "-o", "json", "--env", "prod", "--path", "/copy"]);
    const values = Object.fromEntries(
      JSON.parse(listed.stdout).map((s: { key: string; value: string }) => [s.key, s.value]),
    );
    expect(values).toEqual(expected);
  }, 300_000);
});

describe("syncline: syncs", () => {
  const where = ["--env", "prod", "--path", "/web"];

  it("creates a sync and waits for a triggered run to reach Vault; a failed run exits 6", async () => {
    await inProject(["secrets", "set", "TOKEN", "t-1", ...where]);
    const credentials = { vault: { instanceUrl: system.vault.url, token: { token: system.vault.token } } };
    const connection = await inProject(["connections", "create", "vault", "-o", "id", "--credentials", "-"], {
      input: JSON.stringify(credentials),
    });
    expect(connection.code, connection.stderr).toBe(0);
    const sync = await inProject([
      ...["syncs", "create", "web-to-vault", "-o", "id", "--connection", connection.stdout.trim(), ...where],
      ...["--destination", "vault-kv", "--config", '{"mount":"secret","path":"apps/web"}'],
      ...["--key-schema", "WEB_{{secretKey}}", "--manual"],
    ]);
    expect(sync.code, sync.stderr).toBe(0);
    const syncId = sync.stdout.trim();

    const run = await inProject(["syncs", "trigger", "web-to-vault", "--wait", "-o", "json"]); // by name
    expect(run.code, run.stderr).toBe(0);
    expect(JSON.parse(run.stdout)).toMatchObject({ syncId, state: "SYNC_STATE_SUCCEEDED", keysCreated: 1 });
    expect(run.stderr).toMatch(/SUCCEEDED after \d+\.\ds: 1 created/);
    expect(system.vault.read("secret", "apps/web")).toEqual({ WEB_TOKEN: "t-1" });

    system.vault.seed("secret", "apps/web", { WEB_TOKEN: "t-1", WEB_FROM_VAULT: "v-1" });
    const imported = await inProject(["syncs", "import", syncId, "--prefer", "destination", "--wait", "-o", "id"]);
    expect(imported.code, imported.stderr).toBe(0);
    expect((await inProject(["secrets", "get", "FROM_VAULT", "--raw", ...where])).stdout).toBe("v-1");

    const plan = await inProject(["syncs", "plan", syncId]);
    expect(plan.stdout).toContain("create: -");
    const runs = await inProject(["syncs", "runs", syncId, "-o", "json"]);
    expect(JSON.parse(runs.stdout)[0]).toMatchObject({ trigger: "SYNC_TRIGGER_MANUAL", state: "SYNC_STATE_SUCCEEDED" });

    const refused = { vault: { instanceUrl: system.vault.url, token: { token: "not-the-vault-token" } } };
    const bad = await inProject([
      ...["connections", "create", "vault-bad", "-o", "id", "--skip-validation"],
      ...["--credentials", JSON.stringify(refused)],
    ]);
    const failing = await inProject([
      ...["syncs", "create", "web-refused", "-o", "id", "--connection", bad.stdout.trim(), ...where],
      ...["--destination", "vault-kv", "--config", '{"mount":"secret","path":"apps/refused"}', "--manual"],
    ]);
    const failed = await inProject(["syncs", "trigger", failing.stdout.trim(), "--wait"]);
    expect(failed.code, failed.stderr).toBe(6);
    expect(failed.stderr).toMatch(/FAILED/);
  }, 300_000);
});

describe("syncline: notifications", () => {
  it("adds a webhook endpoint, sends it a signed test event, shows the delivery log, disables and deletes it", async () => {
    const received: Array<{ headers: IncomingHttpHeaders; body: string }> = [];
    const receiver = createServer((request, response) => {
      let body = "";
      request.on("data", (chunk: Buffer) => {
        body += chunk.toString("utf8");
      });
      request.on("end", () => {
        received.push({ headers: request.headers, body });
        response.writeHead(204).end();
      });
    });
    const port = await freePort();
    await new Promise<void>((resolve) => receiver.listen(port, "127.0.0.1", resolve));
    try {
      const url = `http://127.0.0.1:${port}/hooks/syncline`;
      const bad = await inProject(["notifications", "create", "ops", "ftp://127.0.0.1/x"]);
      expect(bad.code, bad.stderr).toBe(2);
      expect(bad.stderr).toContain("INVALID_ARGUMENT");
      expect(bad.stderr).toContain("url");

      const created = await inProject(["notifications", "create", "ops", url, "--events", "sync-failed", "--raw"]);
      expect(created.code, created.stderr).toBe(0);
      const secret = created.stdout.trim();
      const listed = JSON.parse((await inProject(["notifications", "list", "-o", "json"])).stdout);
      expect(listed).toHaveLength(1);
      expect(listed[0]).toMatchObject({ name: "ops", urlOrigin: `http://127.0.0.1:${port}`, enabled: true });
      expect(JSON.stringify(listed)).not.toContain("/hooks/syncline");
      const endpointId = listed[0].id as string;

      const test = await cli(["notifications", "test", endpointId, "-o", "json"]);
      expect(test.code, test.stderr).toBe(0);
      const delivery = await eventually(async () => {
        const log = JSON.parse((await cli(["notifications", "deliveries", endpointId, "-o", "json"])).stdout);
        return log[0]?.state === "WEBHOOK_DELIVERY_STATE_DELIVERED" ? log[0] : undefined;
      });
      expect(delivery).toMatchObject({ eventType: "WEBHOOK_EVENT_TYPE_TEST", attempts: 1, lastHttpStatus: 204 });
      const hook = received.find((r) => r.headers["syncline-event-type"] === "TEST")!;
      const [t, v1] = String(hook.headers["syncline-signature"])
        .split(",")
        .map((part) => part.split("=")[1]);
      expect(v1).toBe(createHmac("sha256", secret).update(`${t}.${hook.body}`).digest("hex"));

      const disabled = await cli(["notifications", "update", endpointId, "--disable", "-o", "json"]);
      expect(JSON.parse(disabled.stdout).enabled ?? false).toBe(false);
      expect((await cli(["notifications", "delete", endpointId])).code).toBe(0);
      expect((await cli(["notifications", "get", endpointId])).code).toBe(3);
    } finally {
      await new Promise((resolve) => receiver.close(resolve));
    }
  }, 300_000);
});

describe("syncline: shell completion", () => {
  it("prints bash and zsh scripts that parse and complete commands", async () => {
    const bash = await cli(["completion", "bash"]);
    const script = join(home, "syncline.bash");
    writeFileSync(script, bash.stdout);
    expect((await runProcess("bash", ["-n", script], { env: userEnv() })).code).toBe(0);
    const complete = (words: string) =>
      `source ${script}; COMP_WORDS=(${words}); COMP_CWORD=$((\${#COMP_WORDS[@]} - 1)); _syncline; echo "\${COMPREPLY[*]}"`;
    const groups = await runProcess("bash", ["-c", complete("syncline sy")], { env: userEnv() });
    expect(groups.stdout.trim()).toBe("syncs");
    const actions = await runProcess("bash", ["-c", complete("syncline syncs tr")], { env: userEnv() });
    expect(actions.stdout.trim()).toBe("trigger");
    const options = await runProcess("bash", ["-c", complete("syncline syncs trigger --wa")], { env: userEnv() });
    expect(options.stdout.trim()).toBe("--wait");
    const zsh = await cli(["completion", "zsh"]);
    expect(zsh.stdout).toContain("bashcompinit");
    writeFileSync(script, zsh.stdout.replace(/^autoload.*$/gm, ""));
    expect((await runProcess("bash", ["-n", script], { env: userEnv() })).code).toBe(0);
  }, 300_000);
});

describe("the README walkthrough", () => {
  it("runs as written against a started system", async () => {
    const readme = readFileSync(new URL("../../README.md", import.meta.url), "utf8");
    const marker = readme.indexOf("<!-- walkthrough:");
    const block = /```sh\n([\s\S]*?)```/.exec(readme.slice(marker))?.[1];
    expect(block, "README.md has no walkthrough block").toBeDefined();
    const vault = { VAULT_ADDR: system.vault.url, VAULT_TOKEN: system.vault.token };
    const bin = fileURLToPath(new URL("../../node_modules/.bin", import.meta.url));
    const env = adminEnv({ ...vault, PATH: `${bin}:/usr/bin:/bin` });
    const result = await runProcess("bash", ["-euo", "pipefail", "-c", block!], { env, timeoutMs: 120_000 });
    expect(result.code, `${result.stdout}\n${result.stderr}`).toBe(0);
    expect(system.vault.read("secret", "apps/api") ?? {}).toEqual({});
    expect(result.stderr).toMatch(/SUCCEEDED after/);
  }, 300_000);
});

import { describe, expect, it } from "vitest";
import { createExpander } from "./reference-expansion.ts";
import { addressKey, parseValue, referencesOf, type ReferenceAddress } from "./secret-reference.ts";

const here = { environment: "dev", path: "/app" };
const refs = (value: string) => referencesOf(parseValue(value, here)).map((r) => ({ ...r.address, local: r.local }));

describe("reference syntax", () => {
  it("reads the same-folder, dotted and explicit forms", () => {
    expect(refs("${DB_PASSWORD}")).toEqual([{ environment: "dev", path: "/app", key: "DB_PASSWORD", local: true }]);
    expect(refs("${prod.api.db.PASSWORD}")).toEqual([
      { environment: "prod", path: "/api/db", key: "PASSWORD", local: false },
    ]);
    expect(refs("${prod.ROOT_KEY}")).toEqual([{ environment: "prod", path: "/", key: "ROOT_KEY", local: false }]);
    expect(refs("${prod:/v1.2/x:my.key}")).toEqual([
      { environment: "prod", path: "/v1.2/x", key: "my.key", local: false },
    ]);
    expect(refs("${prod:/:K}")).toEqual([{ environment: "prod", path: "/", key: "K", local: false }]);
  });

  it("keeps text around references and treats $${ as a literal ${", () => {
    const parsed = parseValue("postgres://u:${PASS}@h/$${NOT}${x", here);
    expect(parsed.parts).toEqual([
      { text: "postgres://u:" },
      { reference: { environment: "dev", path: "/app", key: "PASS" }, raw: "${PASS}", local: true },
      { text: "@h/${NOT}${x" },
    ]);
    expect(parsed.problems).toEqual([expect.stringMatching(/^unterminated reference at character 31/)]);
    expect(parseValue("cost: $5, $$ and $", here)).toEqual({ parts: [{ text: "cost: $5, $$ and $" }], problems: [] });
  });

  it("reports malformed references by position only, never echoing the value", () => {
    for (const body of [
      "",
      "a b",
      "Prod.api.K",
      "prod..K",
      "prod.api.",
      "prod.../K",
      "x:y",
      "prod:api:K",
      "prod:/a/../b:K",
      "prod:/a:1K",
      "1KEY",
      "my.key.with.Dots!",
    ]) {
      const parsed = parseValue(`s3cr3t-${"${"}${body}}`, here);
      expect(
        parsed.parts.every((p) => "text" in p),
        body,
      ).toBe(true);
      expect(parsed.problems, body).toHaveLength(1);
      expect(parsed.problems[0], body).toMatch(/^malformed reference at character 8: /);
      expect(parsed.problems[0]).not.toContain("s3cr3t");
      if (body.length > 2) expect(parsed.problems[0]).not.toContain(body);
    }
  });

  it("lists each referenced address once", () => {
    expect(refs("${A}${A}${dev.app.A}")).toHaveLength(2);
  });
});

describe("expansion", () => {
  const at = (environment: string, path: string, key: string): ReferenceAddress => ({ environment, path, key });
  const stored = (entries: Array<[ReferenceAddress, string]>, wholeFolders: string[] = []) => {
    const map = new Map(entries.map(([a, v]) => [addressKey(a), v]));
    return (a: ReferenceAddress) =>
      map.get(addressKey(a)) ?? (wholeFolders.includes(`${a.environment}:${a.path}`) ? null : undefined);
  };

  it("expands recursively across folders and environments", () => {
    const lookup = stored([
      [at("dev", "/app", "URL"), "postgres://${USER}:${prod.db.PASS}@db"],
      [at("dev", "/app", "USER"), "app"],
      [at("prod", "/db", "PASS"), "${prod.ROOT}!"],
      [at("prod", "/", "ROOT"), "r00t"],
    ]);
    expect(
      createExpander(lookup).expandStored(at("dev", "/app", "URL"), "postgres://${USER}:${prod.db.PASS}@db"),
    ).toEqual({ value: "postgres://app:r00t!@db", problems: [] });
  });

  it("reports missing references and keeps them as written", () => {
    const lookup = stored([], ["dev:/app"]);
    const result = createExpander(lookup).expandStored(at("dev", "/app", "A"), "x${GONE}y");
    expect(result.value).toBe("x${GONE}y");
    expect(result.problems).toEqual(["dev:/app:A references dev:/app:GONE, which does not exist"]);
  });

  it("reports cycles with their chain, for every secret on or above the cycle", () => {
    const lookup = stored([
      [at("dev", "/app", "A"), "${B}"],
      [at("dev", "/app", "B"), "${C}"],
      [at("dev", "/app", "C"), "${A}"],
      [at("dev", "/app", "TOP"), "${A}"],
    ]);
    const expander = createExpander(lookup);
    expect(expander.expandStored(at("dev", "/app", "TOP"), "${A}").problems).toEqual([
      "reference cycle: dev:/app:A → dev:/app:B → dev:/app:C → dev:/app:A",
    ]);
    expect(expander.expandStored(at("dev", "/app", "B"), "${C}").problems).toHaveLength(1);
    expect(createExpander(lookup).expandCandidate(at("dev", "/app", "S"), "${S}").problems).toEqual([
      "reference cycle: dev:/app:S → dev:/app:S",
    ]);
  });

  it("bounds the chain depth", () => {
    const chain: Array<[ReferenceAddress, string]> = [];
    for (let i = 0; i < 12; i++) chain.push([at("dev", "/app", `K${i}`), i === 11 ? "end" : `\${K${i + 1}}`]);
    const lookup = stored(chain);
    expect(createExpander(lookup).expandStored(at("dev", "/app", "K2"), "${K3}")).toEqual({
      value: "end",
      problems: [],
    });
    const deep = createExpander(lookup).expandStored(at("dev", "/app", "K0"), "${K1}");
    expect(deep.problems).toEqual(["dev:/app:K0: reference chain through dev:/app:K1 is longer than 10"]);
  });

  it("refuses expansions past the value size limit without exponential work", () => {
    const entries: Array<[ReferenceAddress, string]> = [[at("dev", "/app", "L0"), "x".repeat(1000)]];
    for (let i = 1; i <= 9; i++) entries.push([at("dev", "/app", `L${i}`), `\${L${i - 1}}`.repeat(10)]);
    const result = createExpander(stored(entries)).expandStored(at("dev", "/app", "L9"), entries[9]![1]);
    expect(result.problems.some((p) => p.includes("expanded value is larger than"))).toBe(true);
    expect(result.value.length).toBeLessThan(300 * 1024);
  });
});

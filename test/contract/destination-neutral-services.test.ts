import { readdirSync, readFileSync } from "node:fs";
import { join, relative } from "node:path";
import { appRegistry, destinationRegistry } from "@syncline/connectors";
import { App } from "@syncline/gen/syncline/connections/v1/resources_pb.js";
import { Destination } from "@syncline/gen/syncline/syncs/v1/resources_pb.js";
import { describe, expect, it } from "vitest";
import { repoRoot } from "../support/service-process.ts";

/**
 * A destination is self-contained: everything about it lives in its folder under
 * packages/connectors and its registry line. No non-test source file under services/ may name a
 * destination or an app — its enum members, oneof cases or provider words, all read from the
 * registry so the list grows with each destination.
 */

/** The words of a name two ways: split on anything but letters and digits, and also at camelCase humps. */
function wordForms(text: string): string[][] {
  const plain = text.split(/[^A-Za-z0-9]+/).filter(Boolean);
  const humps = text
    .replace(/([a-z0-9])([A-Z])/g, "$1 $2")
    .replace(/([A-Z]+)([A-Z][a-z])/g, "$1 $2")
    .split(/[^A-Za-z0-9]+/)
    .filter(Boolean);
  return [plain, humps].map((words) => words.map((word) => word.toLowerCase()));
}

function containsRun(words: readonly string[], run: readonly string[]): boolean {
  for (let at = 0; at + run.length <= words.length; at++) {
    if (run.every((word, i) => words[at + i] === word)) return true;
  }
  return false;
}

/** Every name that belongs to one destination or app, from the registry. */
function destinationTerms(): string[] {
  const terms = new Set<string>();
  for (const [key, descriptor] of Object.entries(destinationRegistry)) {
    terms.add(Destination[Number(key)]!);
    terms.add(descriptor.configCase);
    terms.add(descriptor.name);
  }
  for (const [key, app] of Object.entries(appRegistry)) {
    terms.add(App[Number(key)]!);
    terms.add(app.credentialsCase);
    for (const word of app.providerWords) terms.add(word);
  }
  return [...new Map([...terms].map((term) => [term.toLowerCase(), term])).values()];
}

/** The terms a text names, matching whole words in either split (`GitHub`, `GITHUB_ACTIONS`, `vaultKv`). */
function namedTerms(text: string, terms: readonly string[]): string[] {
  const textForms = wordForms(text);
  return terms.filter((term) =>
    wordForms(term).some((run) => run.length > 0 && textForms.some((words) => containsRun(words, run))),
  );
}

function serviceSources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return entry.name === "node_modules" ? [] : serviceSources(path);
    return entry.name.endsWith(".ts") && !entry.name.endsWith(".test.ts") ? [path] : [];
  });
}

describe("destination-neutral services", () => {
  const terms = destinationTerms();

  it("reads enum members, oneof cases and provider words of every registered destination and app", () => {
    for (const sample of [
      "destination: Destination.GITHUB_ACTIONS",
      'if (config.destination.case === "vaultKv")',
      "case GithubSecretScope.ORGANIZATION:",
      "// the HashiCorp address",
      "`credentials.vault.instance_url`",
      "App.GITHUB",
    ]) {
      expect(namedTerms(sample, terms), sample).not.toEqual([]);
    }
    for (const neutral of ["destinationDescriptor(kind).parseConfig(config)", "default", "key_schema"]) {
      expect(namedTerms(neutral, terms), neutral).toEqual([]);
    }
  });

  it("has no service source file that names a destination or an app", () => {
    const files = serviceSources(join(repoRoot, "services"));
    expect(files.length).toBeGreaterThan(10);
    const offences = files.flatMap((file) =>
      readFileSync(file, "utf8")
        .split("\n")
        .flatMap((line, index) => {
          const named = namedTerms(line, terms);
          return named.length > 0 ? [`${relative(repoRoot, file)}:${index + 1} names ${named.join(", ")}`] : [];
        }),
    );
    expect(
      offences,
      "services/ must stay destination-neutral: move this knowledge into the destination's descriptor " +
        "(packages/connectors/<destination>/) and reach it through a registry lookup (packages/connectors/registry.ts)",
    ).toEqual([]);
  });
});

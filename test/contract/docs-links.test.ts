import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { dirname, join, relative, resolve, sep } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

/**
 * The project documents itself: every relative link in its Markdown files leads to a file (and, for
 * a `#heading`, to a heading) inside the project, and no document sends readers to material a clone
 * of the project does not have.
 */
const projectRoot = fileURLToPath(new URL("../..", import.meta.url));

/** Folders that are not the project's own documents: dependencies, VCS data, local state. */
function skipped(name: string): boolean {
  return name === "node_modules" || name.startsWith(".");
}

function markdownFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    if (skipped(name)) return [];
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return markdownFiles(path);
    return name.endsWith(".md") ? [path] : [];
  });
}

/** The text outside fenced code blocks and inline code spans, where links are links. */
function prose(markdown: string): string {
  return markdown.replace(/^(```|~~~)[^\n]*\n[\s\S]*?^\1[^\n]*$/gm, "").replace(/`[^`\n]*`/g, "");
}

/** Targets of inline links and images `[text](target "title")` and reference definitions `[id]: target`. */
function linkTargets(markdown: string): string[] {
  const text = prose(markdown);
  const inline = [...text.matchAll(/\]\(\s*<?([^)\s>]+)>?(?:\s+"[^"]*")?\s*\)/g)].map((m) => m[1] ?? "");
  const definitions = [...text.matchAll(/^\s{0,3}\[[^\]]+\]:\s*<?(\S+?)>?(?:\s|$)/gm)].map((m) => m[1] ?? "");
  return [...inline, ...definitions];
}

/** GitHub's anchor of a heading: lower case, punctuation dropped, spaces as hyphens. */
function slug(heading: string): string {
  return heading
    .replace(/\[([^\]]*)\]\([^)]*\)/g, "$1")
    .toLowerCase()
    .replace(/[^\p{L}\p{M}\p{N}\p{Pc}\s-]/gu, "")
    .trim()
    .replace(/\s/g, "-");
}

/** The anchors a Markdown file offers, with GitHub's `-1`, `-2` suffixes for repeated headings. */
function anchors(markdown: string): Set<string> {
  const seen = new Map<string, number>();
  const result = new Set<string>();
  const withoutFences = markdown.replace(/^(```|~~~)[^\n]*\n[\s\S]*?^\1[^\n]*$/gm, "");
  for (const match of withoutFences.matchAll(/^#{1,6}\s+(.+?)\s*#*\s*$/gm)) {
    const base = slug(match[1] ?? "");
    const count = seen.get(base) ?? 0;
    seen.set(base, count + 1);
    result.add(count === 0 ? base : `${base}-${count}`);
  }
  return result;
}

/** What is wrong with one link of `file`, or undefined when it resolves. */
function problem(file: string, target: string): string | undefined {
  if (/^[a-z][a-z0-9+.-]*:/i.test(target)) return undefined;
  const [pathPart = "", fragment] = target.split("#", 2);
  const path = decodeURIComponent(pathPart.split("?")[0] ?? "");
  const resolved = path === "" ? file : path.startsWith("/") ? join(projectRoot, path) : resolve(dirname(file), path);
  const inside = resolved === projectRoot.replace(/[\\/]$/, "") || resolved.startsWith(projectRoot);
  if (!inside || resolved.split(sep).includes("node_modules")) return `${target}: leads outside the project`;
  if (!existsSync(resolved)) return `${target}: no such file`;
  if (fragment && resolved.endsWith(".md") && !anchors(readFileSync(resolved, "utf8")).has(fragment.toLowerCase())) {
    return `${target}: no heading with anchor #${fragment} in ${relative(projectRoot, resolved)}`;
  }
  return undefined;
}

const files = markdownFiles(projectRoot);

describe("project documents", () => {
  it("are found (the root README and the docs folder)", () => {
    const names = files.map((f) => relative(projectRoot, f));
    expect(names).toContain("README.md");
    expect(names).toContain(join("docs", "architecture.md"));
    expect(names).toContain(join("docs", "conventions.md"));
  });

  it("link only to files and headings inside the project", () => {
    const broken = files.flatMap((file) =>
      linkTargets(readFileSync(file, "utf8")).flatMap((target) => {
        const found = problem(file, target);
        return found ? [`${relative(projectRoot, file)}: ${found}`] : [];
      }),
    );
    expect(broken).toEqual([]);
  });

  it("never send readers to design notes outside the project", () => {
    const outside = /\.\.\/shared\b|\bshared\/[A-Z]+\.md|\bDESIGN(\.md| §)|\bCONVENTIONS\.md/;
    const naming = files
      .filter((file) => outside.test(readFileSync(file, "utf8")))
      .map((f) => relative(projectRoot, f));
    expect(naming).toEqual([]);
  });
});

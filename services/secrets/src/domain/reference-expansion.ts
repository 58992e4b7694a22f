import { limits } from "./source-rules.ts";
import {
  addressKey,
  formatAddress,
  mayReference,
  parseValue,
  referenceLimits,
  type ReferenceAddress,
} from "./secret-reference.ts";

/**
 * What the expander knows of a stored secret: its raw value, `null` when no secret is stored at
 * the address, `undefined` when it was not loaded (beyond the depth horizon of the loader).
 */
export type StoredValueLookup = (address: ReferenceAddress) => string | null | undefined;

/** A value with its references replaced, and the problems found (empty when fully expanded). */
export interface Expansion {
  readonly value: string;
  /** Missing references, cycles, chains too deep, expansions too large; never a value. */
  readonly problems: readonly string[];
}

interface Node extends Expansion {
  /** Longest chain of references below this secret (0: it references nothing). */
  readonly height: number;
}

/**
 * Expands references recursively, memoised per address so a value referenced many times (or a
 * "billion laughs" value) costs one expansion. A reference that cannot be expanded stays as
 * written, and the reason is reported — expansion never silently yields an empty string.
 */
export function createExpander(lookup: StoredValueLookup, options: { maxDepth?: number; maxBytes?: number } = {}) {
  const maxDepth = options.maxDepth ?? referenceLimits.depth;
  const maxBytes = options.maxBytes ?? limits.valueBytes;
  const memo = new Map<string, Node>();
  const stack: ReferenceAddress[] = [];
  const onStack = new Set<string>();

  function expandValue(address: ReferenceAddress, raw: string): Node {
    if (!mayReference(raw)) return { value: raw, problems: [], height: 0 };
    const parsed = parseValue(raw, address);
    const problems = new Set(parsed.problems.map((p) => `${formatAddress(address)}: ${p}`));
    let height = 0;
    let value = "";
    let bytes = 0;
    let oversized = false;
    for (const part of parsed.parts) {
      let piece: string;
      if ("text" in part) piece = part.text;
      else {
        const target = part.reference;
        const id = addressKey(target);
        const stored = lookup(target);
        if (onStack.has(id)) {
          const from = stack.findIndex((a) => addressKey(a) === id);
          problems.add(`reference cycle: ${[...stack.slice(from), target].map(formatAddress).join(" → ")}`);
          piece = part.raw;
        } else if (stored === null) {
          problems.add(`${formatAddress(address)} references ${formatAddress(target)}, which does not exist`);
          piece = part.raw;
        } else if (stored === undefined) {
          problems.add(
            `${formatAddress(address)}: reference chain through ${formatAddress(target)} is longer than ${maxDepth}`,
          );
          height = Math.max(height, maxDepth + 1);
          piece = part.raw;
        } else {
          const child = expandNode(target, stored);
          for (const p of child.problems) problems.add(p);
          if (child.height + 1 > maxDepth && child.height <= maxDepth) {
            problems.add(
              `${formatAddress(address)}: reference chain through ${formatAddress(target)} is longer than ${maxDepth}`,
            );
          }
          height = Math.max(height, child.height + 1);
          piece = child.height + 1 > maxDepth ? part.raw : child.value;
        }
      }
      bytes += Buffer.byteLength(piece, "utf8");
      if (bytes > maxBytes) {
        oversized = true;
        break;
      }
      value += piece;
    }
    if (oversized) {
      problems.add(`${formatAddress(address)}: expanded value is larger than ${maxBytes} bytes`);
      return { value: raw, problems: [...problems], height };
    }
    return { value, problems: [...problems], height };
  }

  function expandNode(address: ReferenceAddress, raw: string): Node {
    const id = addressKey(address);
    const known = memo.get(id);
    if (known) return known;
    stack.push(address);
    onStack.add(id);
    try {
      const node = expandValue(address, raw);
      memo.set(id, node);
      return node;
    } finally {
      stack.pop();
      onStack.delete(id);
    }
  }

  return {
    /** Expands the value stored at `address` (memoised). */
    expandStored(address: ReferenceAddress, raw: string): Expansion {
      const { value, problems } = expandNode(address, raw);
      return { value, problems };
    },
    /**
     * Expands a value that would be saved at `address` (validation): the candidate replaces what
     * is stored there, so self-references and cycles through it are found. Not memoised.
     */
    expandCandidate(address: ReferenceAddress, raw: string): Expansion {
      const id = addressKey(address);
      stack.push(address);
      onStack.add(id);
      try {
        const { value, problems } = expandValue(address, raw);
        return { value, problems };
      } finally {
        stack.pop();
        onStack.delete(id);
      }
    },
  };
}

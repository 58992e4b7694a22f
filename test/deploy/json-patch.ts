/**
 * JSON Patch (RFC 6902) `add`, `replace` and `remove` — what the Kustomize overlays use — over
 * plain data. Any other operation, or a path that does not exist where it must, throws.
 */

/** One operation of a patch document. */
export interface JsonPatchOperation {
  readonly op: string;
  readonly path: string;
  readonly value?: unknown;
}

type Container = Record<string, unknown> | unknown[];

/** Returns a patched deep copy of `document`. */
export function applyJsonPatch<T>(document: T, operations: readonly JsonPatchOperation[]): T {
  const root = structuredClone(document) as unknown as Container;
  for (const operation of operations) {
    if (!["add", "replace", "remove"].includes(operation.op)) {
      throw new Error(`JSON patch op "${operation.op}" is not supported (add, replace, remove)`);
    }
    const tokens = operation.path
      .split("/")
      .slice(1)
      .map((token) => token.replace(/~1/g, "/").replace(/~0/g, "~"));
    const last = tokens.pop();
    if (last === undefined || !operation.path.startsWith("/")) throw new Error(`bad JSON patch path ${operation.path}`);
    let parent: unknown = root;
    for (const token of tokens) {
      parent = (parent as Record<string, unknown>)?.[token];
      if (parent === undefined || parent === null || typeof parent !== "object") {
        throw new Error(`JSON patch path ${operation.path}: ${token} does not exist`);
      }
    }
    apply(parent as Container, last, operation);
  }
  return root as unknown as T;
}

function apply(parent: Container, key: string, operation: JsonPatchOperation): void {
  const value = structuredClone(operation.value);
  if (Array.isArray(parent)) {
    const index = key === "-" ? parent.length : Number(key);
    if (!Number.isInteger(index) || index < 0 || index > parent.length) {
      throw new Error(`JSON patch path ${operation.path}: index ${key} out of range`);
    }
    if (operation.op !== "add" && index >= parent.length) throw new Error(`${operation.path} does not exist`);
    if (operation.op === "add") parent.splice(index, 0, value);
    else if (operation.op === "replace") parent[index] = value;
    else parent.splice(index, 1);
    return;
  }
  if (operation.op !== "add" && !(key in parent)) throw new Error(`JSON patch path ${operation.path} does not exist`);
  if (operation.op === "remove") delete parent[key];
  else parent[key] = value;
}

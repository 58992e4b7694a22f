/** `a, b, c and 4 more`: names for messages, bounded. */
export function listNames(names: readonly string[], max = 5): string {
  const shown = names
    .slice(0, max)
    .map((name) => name.slice(0, 100))
    .join(", ");
  return names.length > max ? `${shown} and ${names.length - max} more` : shown;
}

/** One page of a list RPC: its items and the token of the next page ("" after the last). */
export interface Page<T> {
  readonly items: readonly T[];
  readonly nextPageToken: string;
}

/** Every item of a paged list, page after page (lists are short enough to read whole). */
export async function allPages<T>(fetch: (pageToken: string) => Promise<Page<T>>): Promise<T[]> {
  const items: T[] = [];
  let token = "";
  do {
    const page = await fetch(token);
    items.push(...page.items);
    token = page.nextPageToken;
  } while (token);
  return items;
}

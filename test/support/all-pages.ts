/**
 * Every item of a paged list RPC: calls `fetchPage` with each `next_page_token` until the last page
 * (tests and tools that need a whole list; each page is at most the RPC's page size).
 */
export async function allPages<Page extends { readonly nextPageToken: string }, Item>(
  fetchPage: (pageToken: string) => Promise<Page>,
  itemsOf: (page: Page) => readonly Item[],
): Promise<Item[]> {
  const items: Item[] = [];
  let pageToken = "";
  do {
    const page = await fetchPage(pageToken);
    items.push(...itemsOf(page));
    pageToken = page.nextPageToken;
  } while (pageToken !== "");
  return items;
}

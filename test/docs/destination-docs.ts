import { join } from "node:path";
import { appDescriptor, destinationRegistry, type DestinationDescriptor } from "@syncline/connectors";
import { destinationEnumName, destinationPage, GENERATED_NOTE, keyCasing } from "./destination-page.ts";

/** Where the generated pages live, relative to the repository root. */
export const DESTINATION_DOCS_DIR = join("docs", "destinations");

/** Every registered destination kind, in enum order. */
export function registeredDestinations(): DestinationDescriptor[] {
  return (Object.values(destinationRegistry) as DestinationDescriptor[]).sort((a, b) => a.destination - b.destination);
}

function indexPage(descriptors: readonly DestinationDescriptor[]): string {
  const rows = descriptors.map((d) =>
    [
      `[${d.name}](${d.docs.slug}.md)`,
      `\`${destinationEnumName(d.destination)}\``,
      appDescriptor(d.app).name,
      d.capabilities.readBack ? "yes" : "no",
      keyCasing(d),
    ].join(" | "),
  );
  return [
    GENERATED_NOTE,
    "# Destinations",
    "Every place Syncline can write secrets to, one page each. The pages are generated from the destination " +
      "descriptors (`packages/connectors/<destination>/*-destination.ts` and the app descriptors), so they say what " +
      "the code does: run `npm run docs:destinations` after changing a descriptor; a test fails while a page is stale.",
    ["| Destination | Enum | App | Read back | Key casing |", "| --- | --- | --- | --- | --- |"]
      .concat(rows.map((row) => `| ${row} |`))
      .join("\n"),
  ]
    .join("\n\n")
    .concat("\n");
}

/** Every generated file (path under `docs/destinations` → content): one page per destination and the index. */
export function destinationDocs(): Map<string, string> {
  const descriptors = registeredDestinations();
  const files = new Map<string, string>([["README.md", indexPage(descriptors)]]);
  for (const descriptor of descriptors) files.set(`${descriptor.docs.slug}.md`, destinationPage(descriptor));
  return files;
}

import { type DescMessage, type Message, toJson } from "@bufbuild/protobuf";
import { dump } from "js-yaml";
import type { OutputMode } from "./settings.ts";

/** A message in its JSON form (camelCase field names, enums by name, timestamps as RFC 3339). */
export type JsonObject = Record<string, unknown>;

/** One table column: its header and how a row's value is read from the resource's JSON form. */
export interface Column {
  readonly header: string;
  readonly value: (item: JsonObject) => unknown;
}

/** How a kind of resource is shown: its table columns and its id (for `--output id`). */
export interface View {
  readonly columns: readonly Column[];
  readonly id?: (item: JsonObject) => string;
  /** A table form other than rows (e.g. a plan), used instead of `columns`. */
  readonly table?: (item: JsonObject) => string;
}

/** A column reading a dotted path (`syncStatus.state`); enum names lose `stripPrefix`. */
export function column(header: string, path: string, stripPrefix?: string): Column {
  return {
    header,
    value: (item) => {
      let value: unknown = item;
      for (const part of path.split(".")) value = (value as JsonObject | undefined)?.[part];
      return stripPrefix && typeof value === "string" ? value.replace(stripPrefix, "") : value;
    },
  };
}

/** Prints results on stdout in the chosen mode, and progress on stderr. */
export interface Output {
  readonly mode: OutputMode;
  /** A list of resources of `schema`. */
  items(schema: DescMessage, messages: readonly Message[], view: View): void;
  /** One resource of `schema`. */
  item(schema: DescMessage, message: Message | undefined, view: View): void;
  /** A plain JSON value (the generic `call`): JSON for table mode too. */
  value(value: unknown): void;
  /** A line of text on stdout. */
  line(text: string): void;
  /** A line on stderr: progress and notices that must not mix with results. */
  progress(text: string): void;
}

/** A cell: one line, control characters escaped, lists joined. */
function cell(value: unknown): string {
  if (value === undefined || value === null) return "";
  if (Array.isArray(value)) return value.map(cell).join(",");
  if (typeof value === "object") return JSON.stringify(value);
  const text = String(value);
  const escaped = JSON.stringify(text).slice(1, -1);
  // JSON escapes control characters (and quotes and backslashes): show it only when it had to.
  return escaped.replace(/\\["\\]/g, "") === text.replace(/["\\]/g, "") ? text : escaped;
}

/** Rows under a header, padded to aligned columns. */
export function renderTable(headers: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i]!.length)));
  const line = (cells: readonly string[]) =>
    cells
      .map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i]!)))
      .join("  ")
      .trimEnd();
  return [line(headers), ...rows.map(line)].join("\n");
}

/** The output of one command in `mode`, writing to `stdout` and `stderr`. */
export function createOutput(
  mode: OutputMode,
  stdout: (text: string) => void = (text) => process.stdout.write(text),
  stderr: (text: string) => void = (text) => process.stderr.write(text),
): Output {
  const print = (value: unknown) => {
    if (mode === "yaml") stdout(dump(value, { lineWidth: -1, noRefs: true }));
    else stdout(`${JSON.stringify(value, null, 2)}\n`);
  };
  const show = (items: JsonObject[], view: View, single: boolean) => {
    if (mode === "json" || mode === "yaml") return print(single ? items[0] : items);
    if (mode === "id") {
      const id = view.id ?? ((item: JsonObject) => String(item.id ?? ""));
      for (const item of items) stdout(`${id(item)}\n`);
      return;
    }
    if (view.table) {
      for (const item of items) stdout(`${view.table(item)}\n`);
      return;
    }
    const headers = view.columns.map((c) => c.header);
    const rows = items.map((item) => view.columns.map((c) => cell(c.value(item))));
    stdout(`${renderTable(headers, rows)}\n`);
  };
  return {
    mode,
    items: (schema, messages, view) =>
      show(
        messages.map((m) => toJson(schema, m as never) as JsonObject),
        view,
        false,
      ),
    item: (schema, message, view) =>
      show([message ? (toJson(schema, message as never) as JsonObject) : {}], view, true),
    value: (value) => print(value),
    line: (text) => stdout(`${text}\n`),
    progress: (text) => stderr(`${text}\n`),
  };
}

// The contract of one figure of the benchmark table (`npm run bench`): what it measures, the goal
// it is held to, and how to measure it on a system of its own.

/** One row of the table: a figure as measured, its goal, and whether the goal was met. */
export interface FigureRow {
  readonly figure: string;
  readonly measured: string;
  readonly goal: string;
  readonly met: boolean;
}

/** What every figure may be told by the table's flags. */
export interface FigureOptions {
  /** Changes (or calls) a latency figure samples; more gives steadier percentiles. */
  readonly samples: number;
  /** Also measure the long sizes (e.g. fan-out to 1,000 syncs). */
  readonly long: boolean;
  /** Detail lines (set-up times, counts) for the reader; the rows are the result. */
  readonly log: (line: string) => void;
}

/** A figure of the table: measured on a system it starts and stops itself. */
export interface BenchFigure {
  /** Short name for `--only`, e.g. `propagation`. */
  readonly name: string;
  measure(options: FigureOptions): Promise<readonly FigureRow[]>;
}

/** Milliseconds as the table prints them. */
export function ms(value: number): string {
  return value >= 1000 ? `${(value / 1000).toFixed(2)} s` : `${value.toFixed(1)} ms`;
}

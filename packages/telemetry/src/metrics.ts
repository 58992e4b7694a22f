import {
  collectDefaultMetrics,
  Counter as PromCounter,
  Gauge as PromGauge,
  Histogram as PromHistogram,
  Registry,
} from "prom-client";

/**
 * The metrics a service registers, as a thin layer over one prom-client `Registry` per process:
 * counters, gauges (set by the code, or computed at scrape time by a `collect` callback) and
 * histograms, each with named labels. prom-client checks names and labels and renders the
 * exposition format. Label values must be ids and kinds, never secret values or credentials.
 */

/** Label values of one series, by label name. */
export type Labels = Readonly<Record<string, string>>;

/** One sample a `collect` callback reports. */
export interface GaugeSample {
  readonly labels?: Labels;
  readonly value: number;
}

/** A value that only goes up (runs, events, writes). */
export interface Counter {
  inc(labels?: Labels, value?: number): void;
}

/** A value that goes up and down, set by the code or computed at scrape time. */
export interface Gauge {
  set(labels: Labels, value: number): void;
}

/** A distribution of observations (durations, lags) over fixed buckets. */
export interface Histogram {
  observe(labels: Labels, value: number): void;
}

/** The registry a service registers its metrics on and the metrics endpoint renders. */
export interface MetricsRegistry {
  /** Throws when the name is taken or a name is invalid (prom-client's checks). */
  counter(name: string, help: string, labelNames?: readonly string[]): Counter;
  /** With `collect`, the gauge's samples are exactly what the callback returns at each scrape. */
  gauge(
    name: string,
    help: string,
    options?: {
      labelNames?: readonly string[];
      collect?: () => readonly GaugeSample[] | Promise<readonly GaugeSample[]>;
    },
  ): Gauge;
  histogram(
    name: string,
    help: string,
    options: { labelNames?: readonly string[]; buckets: readonly number[] },
  ): Histogram;
  /** Every metric in the Prometheus text format; a failing collect callback leaves that metric without samples. */
  render(): Promise<string>;
  /** The content type of what `render` returns (prom-client's). */
  readonly contentType: string;
  /** The prom-client registry underneath, for code that works with prom-client directly. */
  readonly prometheus: Registry;
}

/** Buckets in seconds suited to run durations (10 ms to 10 min). */
export const durationBuckets: readonly number[] = [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600];

/**
 * Buckets in seconds for propagation lag, source commit to destination write: a lone change lands
 * in tens of milliseconds, a paced burst in seconds, an outage the reconciler cures in minutes to
 * an hour (5 ms to 1 h).
 */
export const lagBuckets: readonly number[] = [
  0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600, 1800, 3600,
];

/**
 * Creates an empty registry. `defaultMetrics` adds prom-client's process and Node.js metrics
 * (`process_*`, `nodejs_*`: CPU, memory, event loop lag, GC, handles), as every service does.
 */
export function createMetricsRegistry(options: { defaultMetrics?: boolean } = {}): MetricsRegistry {
  const prometheus = new Registry();
  if (options.defaultMetrics) collectDefaultMetrics({ register: prometheus });
  const registers = [prometheus];

  return {
    prometheus,
    get contentType() {
      return prometheus.contentType;
    },
    counter(name, help, labelNames = []) {
      const counter = new PromCounter({ name, help, labelNames: [...labelNames], registers });
      return { inc: (labels = {}, value = 1) => counter.inc(inOrder(labelNames, labels), value) };
    },
    gauge(name, help, options = {}) {
      const collect = options.collect;
      const labelNames = options.labelNames ?? [];
      const gauge = new PromGauge({
        name,
        help,
        labelNames: [...labelNames],
        registers,
        ...(collect
          ? {
              async collect() {
                let samples: readonly GaugeSample[] = [];
                try {
                  samples = await collect();
                } catch {
                  // Nothing is known: no sample rather than a stale or made-up one.
                }
                this.reset();
                this.remove({});
                for (const sample of samples) this.set(inOrder(labelNames, sample.labels ?? {}), sample.value);
              },
            }
          : {}),
      });
      return { set: (labels, value) => gauge.set(inOrder(labelNames, labels), value) };
    },
    histogram(name, help, options) {
      const labelNames = options.labelNames ?? [];
      const histogram = new PromHistogram({
        name,
        help,
        labelNames: [...labelNames],
        buckets: [...options.buckets],
        registers,
      });
      return { observe: (labels, value) => histogram.observe(inOrder(labelNames, labels), value) };
    },
    render: () => prometheus.metrics(),
  };
}

/**
 * The labels in declared order (unknown ones last, for prom-client to refuse): prom-client renders a
 * series' labels in the order of the object that created it, so every series reads alike.
 */
function inOrder(labelNames: readonly string[], labels: Labels): Record<string, string> {
  const ordered: Record<string, string> = {};
  for (const name of labelNames) if (labels[name] !== undefined) ordered[name] = labels[name];
  return Object.assign(ordered, labels);
}

/**
 * Wraps an expensive read (a database count) so scrapes within `ttlMs` reuse its result and
 * concurrent scrapes share one read; a failed read is not kept.
 */
export function cachedRead<T>(read: () => Promise<T>, ttlMs: number): () => Promise<T> {
  let last: { at: number; value: Promise<T> } | undefined;
  return () => {
    if (last && Date.now() - last.at < ttlMs) return last.value;
    const value = read();
    const entry = { at: Date.now(), value };
    last = entry;
    value.catch(() => {
      if (last === entry) last = undefined;
    });
    return value;
  };
}

/**
 * A minimal Prometheus metrics registry (text exposition format 0.0.4): counters, gauges and
 * histograms with fixed buckets, each with named labels. Gauges may be computed at scrape time by
 * a `collect` callback. Label values must be ids and kinds, never secret values or credentials.
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
  /** Every metric in text format 0.0.4; a failing collect callback leaves that metric without samples. */
  render(): Promise<string>;
}

/** Buckets in seconds suited to run durations and propagation lags (10 ms to 10 min). */
export const durationBuckets: readonly number[] = [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600];

const METRIC_NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

interface Metric {
  readonly name: string;
  readonly help: string;
  readonly type: "counter" | "gauge" | "histogram";
  samples(): Promise<string[]>;
}

/** Creates an empty registry. */
export function createMetricsRegistry(): MetricsRegistry {
  const metrics = new Map<string, Metric>();

  function register(metric: Metric, labelNames: readonly string[]): void {
    if (!METRIC_NAME.test(metric.name)) throw new Error(`invalid metric name "${metric.name}"`);
    if (metrics.has(metric.name)) throw new Error(`metric "${metric.name}" is already registered`);
    for (const label of labelNames) {
      if (!LABEL_NAME.test(label) || label.startsWith("__"))
        throw new Error(`invalid label name "${label}" on ${metric.name}`);
      if (metric.type === "histogram" && label === "le")
        throw new Error(`histogram ${metric.name} may not use the label "le"`);
    }
    metrics.set(metric.name, metric);
  }

  return {
    counter(name, help, labelNames = []) {
      const values = new Map<string, number>();
      register(
        {
          name,
          help,
          type: "counter",
          samples: async () => [...values].map(([key, value]) => `${name}${key} ${formatValue(value)}`),
        },
        labelNames,
      );
      return {
        inc(labels = {}, value = 1) {
          if (!(value >= 0)) throw new Error(`counter ${name} can only go up`);
          const key = labelKey(name, labelNames, labels);
          values.set(key, (values.get(key) ?? 0) + value);
        },
      };
    },
    gauge(name, help, options = {}) {
      const labelNames = options.labelNames ?? [];
      const values = new Map<string, number>();
      const samples = async () => {
        if (!options.collect) return [...values].map(([key, value]) => `${name}${key} ${formatValue(value)}`);
        return (await options.collect()).map(
          (s) => `${name}${labelKey(name, labelNames, s.labels ?? {})} ${formatValue(s.value)}`,
        );
      };
      register({ name, help, type: "gauge", samples }, labelNames);
      return { set: (labels, value) => void values.set(labelKey(name, labelNames, labels), value) };
    },
    histogram(name, help, options) {
      const labelNames = options.labelNames ?? [];
      const buckets = [...options.buckets].sort((a, b) => a - b);
      if (buckets.some((b) => !Number.isFinite(b))) throw new Error(`histogram ${name} buckets must be finite numbers`);
      const series = new Map<string, { labels: Labels; counts: number[]; sum: number; count: number }>();
      const samples = async () =>
        [...series.values()].flatMap(({ labels, counts, sum, count }) => [
          ...buckets.map(
            (le, i) => `${name}_bucket${labelKey(name, labelNames, labels, formatValue(le))} ${counts[i]}`,
          ),
          `${name}_bucket${labelKey(name, labelNames, labels, "+Inf")} ${count}`,
          `${name}_sum${labelKey(name, labelNames, labels)} ${formatValue(sum)}`,
          `${name}_count${labelKey(name, labelNames, labels)} ${count}`,
        ]);
      register({ name, help, type: "histogram", samples }, labelNames);
      return {
        observe(labels, value) {
          const key = labelKey(name, labelNames, labels);
          let s = series.get(key);
          if (!s) {
            s = { labels, counts: buckets.map(() => 0), sum: 0, count: 0 };
            series.set(key, s);
          }
          for (let i = 0; i < buckets.length; i++) if (value <= buckets[i]!) s.counts[i]!++;
          s.sum += value;
          s.count++;
        },
      };
    },
    async render() {
      const blocks = await Promise.all(
        [...metrics.values()].map(async (metric) => {
          const samples = await metric.samples().catch(() => []);
          return [
            `# HELP ${metric.name} ${escapeHelp(metric.help)}`,
            `# TYPE ${metric.name} ${metric.type}`,
            ...samples,
          ].join("\n");
        }),
      );
      return blocks.length === 0 ? "" : `${blocks.join("\n")}\n`;
    },
  };
}

/** `{a="1",b="2"}` in the declared label order (empty string without labels); unknown or missing labels throw. */
function labelKey(metric: string, labelNames: readonly string[], labels: Labels, le?: string): string {
  for (const name of Object.keys(labels))
    if (!labelNames.includes(name)) throw new Error(`${metric} has no label "${name}"`);
  const pairs = labelNames.map((name) => {
    const value = labels[name];
    if (value === undefined) throw new Error(`${metric} needs the label "${name}"`);
    return `${name}="${escapeLabelValue(value)}"`;
  });
  if (le !== undefined) pairs.push(`le="${le}"`);
  return pairs.length === 0 ? "" : `{${pairs.join(",")}}`;
}

function escapeLabelValue(value: string): string {
  return value.replace(/\\/g, "\\\\").replace(/"/g, '\\"').replace(/\n/g, "\\n");
}

function escapeHelp(help: string): string {
  return help.replace(/\\/g, "\\\\").replace(/\n/g, "\\n");
}

function formatValue(value: number): string {
  if (Number.isNaN(value)) return "NaN";
  if (value === Infinity) return "+Inf";
  if (value === -Infinity) return "-Inf";
  return String(value);
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

import { create } from "@bufbuild/protobuf";
import { DurationSchema } from "@bufbuild/protobuf/wkt";
import { describe, expect, it } from "vitest";
import { checkDriftInterval, driftKeyCount, driftReportOf, durationMs } from "./drift-rules.ts";

describe("drift_check_interval", () => {
  it("accepts 1 minute to 7 days", () => {
    expect(checkDriftInterval(60_000, { allowZero: false })).toBeUndefined();
    expect(checkDriftInterval(7 * 24 * 3600_000, { allowZero: false })).toBeUndefined();
  });

  it("refuses shorter, longer and negative intervals", () => {
    expect(checkDriftInterval(59_999, { allowZero: false })).toMatch(/at least 1 minute/);
    expect(checkDriftInterval(7 * 24 * 3600_000 + 1, { allowZero: false })).toMatch(/at most 7 days/);
    expect(checkDriftInterval(-60_000, { allowZero: true })).toMatch(/at least 1 minute/);
    expect(checkDriftInterval(0, { allowZero: false })).toMatch(/at least 1 minute/);
  });

  it("zero turns checks off on update only", () => {
    expect(checkDriftInterval(0, { allowZero: true })).toBeUndefined();
  });

  it("reads protobuf durations in milliseconds", () => {
    expect(durationMs(create(DurationSchema, { seconds: 90n, nanos: 500_000_000 }))).toBe(90_500);
  });

  it("keeps at most 100 names per list and counts them", () => {
    const many = Array.from({ length: 150 }, (_, i) => `KEY_${i}`);
    const report = driftReportOf({ changed: many, added: ["X"], removed: [] }, new Date(0), false);
    expect(report.changed).toHaveLength(100);
    expect(driftKeyCount(report)).toBe(101);
  });
});

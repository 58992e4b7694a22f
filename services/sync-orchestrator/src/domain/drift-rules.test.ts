import { create } from "@bufbuild/protobuf";
import { DurationSchema } from "@bufbuild/protobuf/wkt";
import { describe, expect, it } from "vitest";
import { driftKeyCount, driftReportOf, durationMs } from "./drift-rules.ts";

describe("drift_check_interval", () => {
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

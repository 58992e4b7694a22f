import { DescribeParametersCommand, SSMClient, type ParameterStringFilter } from "@aws-sdk/client-ssm";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { startFakeAws, type FakeAws } from "./fake-aws.ts";

describe("fake Parameter Store DescribeParameters filters", () => {
  let aws: FakeAws;
  let ssm: SSMClient;
  beforeEach(async () => {
    aws = await startFakeAws();
    ssm = new SSMClient({ region: aws.region, endpoint: aws.url, credentials: aws.accessKey, maxAttempts: 1 });
    aws.seedParameter("/p/MINE", "1", { "syncline:sync-id": "sync-1" });
    aws.seedParameter("/p/THEIRS", "2", { "syncline:sync-id": "sync-2" });
    aws.seedParameter("/p/NOBODYS", "3");
    aws.seedParameter("/p/deeper/TAGGED", "4", { "syncline:sync-id": "sync-2" });
    aws.seedParameter("/other/TAGGED", "5", { "syncline:sync-id": "sync-2" });
  });
  afterEach(async () => {
    ssm.destroy();
    await aws.close();
  });

  const names = async (filters: ParameterStringFilter[], maxResults?: number) => {
    const found: string[] = [];
    let token: string | undefined;
    do {
      const page = await ssm.send(
        new DescribeParametersCommand({
          ParameterFilters: filters,
          ...(maxResults ? { MaxResults: maxResults } : {}),
          ...(token ? { NextToken: token } : {}),
        }),
      );
      found.push(...(page.Parameters ?? []).map((p) => p.Name ?? ""));
      token = page.NextToken;
    } while (token);
    return found;
  };
  const failure = (filters: ParameterStringFilter[]) =>
    ssm.send(new DescribeParametersCommand({ ParameterFilters: filters })).then(
      () => expect.fail("expected an AWS error"),
      (e: { name: string; message: string }) => ({ name: e.name, message: e.message }),
    );

  it("matches a path one level or recursively, and a tag by key alone or by value", async () => {
    expect(await names([{ Key: "Path", Values: ["/p"] }])).toEqual(["/p/MINE", "/p/NOBODYS", "/p/THEIRS"]);
    expect(await names([{ Key: "Path", Option: "Recursive", Values: ["/p/"] }])).toHaveLength(4);
    const path = { Key: "Path", Option: "OneLevel", Values: ["/p"] };
    expect(await names([path, { Key: "tag:syncline:sync-id" }])).toEqual(["/p/MINE", "/p/THEIRS"]);
    expect(await names([path, { Key: "tag:syncline:sync-id", Values: ["sync-2"] }])).toEqual(["/p/THEIRS"]);
    expect(await names([path, { Key: "tag:syncline:sync-id", Option: "BeginsWith", Values: ["sync"] }])).toHaveLength(
      2,
    );
    const onePerPage = await names([{ Key: "tag:syncline:sync-id", Values: ["sync-2"] }], 1);
    expect(onePerPage.sort()).toEqual(["/other/TAGGED", "/p/THEIRS", "/p/deeper/TAGGED"]);
    expect(await names([{ Key: "Name", Option: "Contains", Values: ["OBOD"] }])).toEqual(["/p/NOBODYS"]);
  });

  it("answers bad filters with the errors SSM gives", async () => {
    expect(await failure([{ Key: "Colour", Values: ["x"] }])).toMatchObject({ name: "ValidationException" });
    expect(await failure([{ Key: "tag:t", Values: [] }])).toMatchObject({ name: "ValidationException" });
    expect(await failure([{ Key: "tag:t", Values: Array.from({ length: 51 }, () => "v") }])).toMatchObject({
      name: "ValidationException",
    });
    expect(await failure([{ Key: "Label", Values: ["x"] }])).toMatchObject({ name: "InvalidFilterKey" });
    expect(
      await failure([
        { Key: "Path", Values: ["/p"] },
        { Key: "Path", Values: ["/q"] },
      ]),
    ).toMatchObject({ name: "InvalidFilterKey" });
    expect(await failure([{ Key: "Path" }])).toMatchObject({ name: "InvalidFilterValue" });
    expect(await failure([{ Key: "Path", Option: "Equals", Values: ["/p"] }])).toMatchObject({
      name: "InvalidFilterOption",
    });
    expect(await failure([{ Key: "tag:t", Option: "Contains", Values: ["v"] }])).toMatchObject({
      name: "InvalidFilterOption",
    });
    expect((await failure([{ Key: "Path", Values: ["/aws/x"] }])).message).toContain('"aws" or "ssm"');
    expect(await failure([{ Key: "Path", Values: ["p"] }])).toMatchObject({ name: "ValidationException" });
    await expect(ssm.send(new DescribeParametersCommand({ MaxResults: 51 }))).rejects.toMatchObject({
      name: "ValidationException",
    });
  });
});

// Runs the fake AWS (Secrets Manager, Parameter Store, STS) on its own, for trying Syncline by hand:
//   node test/fakes/aws/serve.ts [port]
// Prints the access key, role and external id it accepts; use its URL as credentials.aws.endpoint_url.
import { startFakeAws } from "./fake-aws.ts";

const aws = await startFakeAws({ port: Number(process.argv[2] ?? 4566) });
console.log(`fake AWS listening at ${aws.url} (region ${aws.region}, account ${aws.account})`);
console.log(`access key id ${aws.accessKey.accessKeyId}, secret access key ${aws.accessKey.secretAccessKey}`);
console.log(`role ${aws.role.arn}, external id ${aws.role.externalId}`);
aws.onRequest((request) =>
  console.log(`${request.operation} ${request.status}${request.errorCode ? ` ${request.errorCode}` : ""}`),
);
for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.on(signal, () => void aws.close().then(() => process.exit(0)));
}

/**
 * Inspects and replays dead letters without the `nats` CLI:
 *
 *   node packages/bus/src/dead-letters-cli.ts list [consumer]       one JSON line per dead letter
 *   node packages/bus/src/dead-letters-cli.ts replay <sequence>     republishes it to its original subject
 *
 * NATS servers come from SYNCLINE_NATS_URL (default nats://127.0.0.1:4222). `list` prints headers and
 * the payload size, never the payload. `replay` is for a message that failed for a reason since
 * fixed (an outage, a bug); a replayed undecodable message is dead-lettered again.
 */
import { jetstream, jetstreamManager } from "@nats-io/jetstream";
import { headers as natsHeaders } from "@nats-io/nats-core";
import { connectBus } from "./connect.ts";
import { deadLetterHeaders } from "./dead-letters.ts";
import { streams, subjects } from "./topology.ts";

const [command, argument] = process.argv.slice(2);
const nc = await connectBus(process.env.SYNCLINE_NATS_URL ?? "nats://127.0.0.1:4222", "dead-letters-cli");
try {
  const jsm = await jetstreamManager(nc);
  if (command === "list") {
    const stream = await jsm.streams.get(streams.deadLetters.name);
    const { state } = await stream.info();
    for (let seq = state.first_seq; state.messages > 0 && seq <= state.last_seq; seq++) {
      const msg = await stream.getMessage({ seq }).catch(() => null);
      if (!msg || (argument && msg.subject !== subjects.deadLetter(argument))) continue;
      const headers = Object.fromEntries([...(msg.header ?? [])].map(([name, values]) => [name, values.join(", ")]));
      const line = { sequence: msg.seq, time: msg.time, bytes: msg.data.length, headers };
      process.stdout.write(`${JSON.stringify(line)}\n`);
    }
  } else if (command === "replay" && argument) {
    const msg = await jsm.streams.getMessage(streams.deadLetters.name, { seq: Number(argument) });
    const subject = msg?.header.get(deadLetterHeaders.subject);
    if (!msg || !subject) throw new Error(`no dead letter with sequence ${argument}`);
    const headers = natsHeaders();
    for (const [name, values] of msg.header) {
      if (name.startsWith("Syncline-Dead-Letter-")) continue;
      for (const value of values) headers.append(name, value);
    }
    const ack = await jetstream(nc).publish(subject, msg.data, { headers, msgID: `dead-letter-replay/${msg.seq}` });
    const line = { replayed: msg.seq, subject, stream: ack.stream, sequence: ack.seq, duplicate: ack.duplicate };
    process.stdout.write(`${JSON.stringify(line)}\n`);
  } else {
    process.stderr.write("usage: dead-letters-cli.ts list [consumer] | replay <sequence>\n");
    process.exitCode = 64;
  }
} finally {
  await nc.close();
}

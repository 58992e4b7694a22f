// Propagation benchmark: N secret updates, each timed from the UpdateSecret acknowledgement until
// the new value is visible at the (fake) Vault destination, through the real chain of processes.
//   node test/bench/propagation.ts [count=200] [postgres|embedded]
// Prints count, p50, p90, p99 and max. Needs PostgreSQL and nats-server (test/run-all.sh sets them up).
// `npm run bench` prints the whole table of figures (test/bench/bench-table.ts).
import { report } from "./bench-support.ts";
import { measurePropagation } from "./table/propagation-figure.ts";

const count = Number(process.argv[2] ?? 200);
const database = process.argv[3] === "embedded" ? "embedded" : "postgres";
const { visible, rpc } = await measurePropagation(database, count);
report(`ack → visible at Vault (${database})`, visible);
report("UpdateSecret RPC", rpc);

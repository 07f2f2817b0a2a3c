import { parentPort, workerData } from "node:worker_threads";
import type { TaskMessage, ThreadMessage, TaskModule } from "./thread-pool.js";

/**
 * A pool thread: imports the task module named in its workerData, says ready, then runs one task
 * at a time as the pool sends them, relaying the task's log lines and its result or error.
 */
const port = parentPort!;
const send = (message: ThreadMessage) => port.postMessage(message);
const tasks = (await import((workerData as { module: string }).module)) as TaskModule;

port.on("message", ({ id, task, input }: TaskMessage) => {
  const run = tasks[task];
  const log = (message: string) => send({ id, log: message });
  Promise.resolve()
    .then(() => {
      if (typeof run !== "function") throw new Error(`the task module exports no function "${task}"`);
      return run(input as never, log);
    })
    .then(
      (result) => send({ id, result }),
      (error: unknown) => {
        const e = error instanceof Error ? error : new Error(String(error));
        send({ id, error: { name: e.name, message: e.message, stack: e.stack } });
      },
    );
});
send({ ready: true });

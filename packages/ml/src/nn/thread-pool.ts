import { Worker } from "node:worker_threads";

/** A task module's exports: functions of a structured-cloneable input, reporting progress by `log`. */
export type TaskModule = Record<string, (input: never, log: (message: string) => void) => unknown>;

export interface TaskMessage {
  id: number;
  task: string;
  input: unknown;
}
export type ThreadMessage =
  | { ready: true }
  | { id: number; log: string }
  | { id: number; result: unknown }
  | { id: number; error: { name: string; message: string; stack?: string } };

/** A task failed in its thread, or a thread could not start or died. */
export class ThreadError extends Error {
  readonly code = "THREAD_FAILED";
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "ThreadError";
  }
}

/** Runs a module's tasks: on threads (a ThreadPool) or in this thread, one at a time. */
export interface TaskRunner {
  readonly threads: number;
  run<T>(task: string, input: unknown, log?: (message: string) => void): Promise<T>;
  close(): Promise<void>;
}

/** This module's thread entry: .ts under tsx (registered in the thread first: Node 20's --import does not reach workers), else .js. */
const SELF = import.meta.url;
const TS = /\.ts$/.test(SELF);
const ENTRY = siblingModule(SELF, "thread-main");

/** The module `name` beside `from` (an import.meta.url), with `from`'s extension: .ts under tsx, .js when built. */
export function siblingModule(from: string, name: string): string {
  const extension = /\.[cm]?[jt]s$/.exec(new URL(from).pathname)?.[0] ?? ".js";
  return new URL(`./${name}${extension}`, from).href;
}

function resolved(specifier: string): string | undefined {
  try {
    return import.meta.resolve(specifier);
  } catch {
    return undefined;
  }
}

interface Job {
  id: number;
  task: string;
  input: unknown;
  log?: (message: string) => void;
  resolve: (value: unknown) => void;
  reject: (error: Error) => void;
}

/**
 * Threads that each import `module` once and run its tasks, one task per thread at a time, in the
 * order they were asked for. A result does not depend on the thread that computed it, so callers
 * get the same answers as from `InlineRunner`.
 */
export class ThreadPool implements TaskRunner {
  private readonly queue: Job[] = [];
  private readonly workers: Worker[] = [];
  private readonly idle: Worker[] = [];
  private readonly busy = new Map<Worker, Job>();
  private readonly started: Promise<void>;
  private nextId = 0;
  private failure: ThreadError | undefined;

  constructor(
    module: string,
    readonly threads: number,
    resourceLimits?: { maxYoungGenerationSizeMb?: number; maxOldGenerationSizeMb?: number },
  ) {
    const tsx = TS ? resolved("tsx/esm/api") : undefined;
    if (TS && !tsx) throw new ThreadError("a .ts thread entry needs tsx, which does not resolve");
    const load = tsx
      ? `import(${JSON.stringify(tsx)}).then((t) => t.register()).then(() => import(${JSON.stringify(ENTRY)}))`
      : `import(${JSON.stringify(ENTRY)})`;
    const ready = Array.from({ length: threads }, () => {
      const worker = new Worker(`${load}.catch((error) => { throw error; });`, {
        eval: true,
        workerData: { module },
        resourceLimits,
      });
      this.workers.push(worker);
      return new Promise<void>((resolve, reject) => {
        worker.on("message", (message: ThreadMessage) => {
          if ("ready" in message) {
            this.idle.push(worker);
            resolve();
            this.pump();
          } else this.settle(worker, message);
        });
        worker.on("error", (error) => {
          reject(error);
          this.lost(worker, error);
        });
        worker.on("exit", (code) => {
          const error = new Error(`exited with code ${code}`);
          reject(error); // before it said ready; after, a no-op
          this.lost(worker, error);
        });
      });
    });
    this.started = Promise.all(ready).then(
      () => undefined,
      (error: unknown) => {
        throw new ThreadError(`a thread could not start: ${(error as Error).message}`, { cause: error });
      },
    );
    this.started.catch(() => {});
  }

  /** Resolves when every thread has loaded the module; rejects with a ThreadError if one cannot. */
  ready(): Promise<void> {
    return this.started;
  }

  run<T>(task: string, input: unknown, log?: (message: string) => void): Promise<T> {
    if (this.failure) return Promise.reject(this.failure);
    return new Promise<T>((resolve, reject) => {
      this.queue.push({
        id: this.nextId++,
        task,
        input,
        log,
        resolve: resolve as (v: unknown) => void,
        reject,
      });
      this.pump();
    });
  }

  /** Stops the threads; tasks still queued or running fail with a ThreadError. */
  async close(): Promise<void> {
    this.failure ??= new ThreadError("the thread pool is closed");
    for (const job of [...this.busy.values(), ...this.queue.splice(0)]) job.reject(this.failure);
    this.busy.clear();
    this.idle.length = 0;
    // every thread, including those still starting
    await Promise.all(this.workers.splice(0).map((w) => w.terminate()));
  }

  private pump(): void {
    while (this.idle.length > 0 && this.queue.length > 0) {
      const worker = this.idle.shift()!;
      const job = this.queue.shift()!;
      this.busy.set(worker, job);
      worker.postMessage({ id: job.id, task: job.task, input: job.input } satisfies TaskMessage);
    }
  }

  private settle(worker: Worker, message: Exclude<ThreadMessage, { ready: true }>): void {
    const job = this.busy.get(worker);
    if (!job || job.id !== message.id) return;
    if ("log" in message) return job.log?.(message.log);
    this.busy.delete(worker);
    this.idle.push(worker);
    if ("result" in message) job.resolve(message.result);
    else {
      const error = new ThreadError(`${job.task} failed in its thread: ${message.error.message}`);
      error.stack = message.error.stack ?? error.stack;
      job.reject(error);
    }
    this.pump();
  }

  /** A thread died: its task and, once no thread is left, every queued task fail. */
  private lost(worker: Worker, cause: Error): void {
    const job = this.busy.get(worker);
    this.busy.delete(worker);
    const at = this.idle.indexOf(worker);
    if (at >= 0) this.idle.splice(at, 1);
    if (this.failure) return;
    job?.reject(new ThreadError(`${job.task}: its thread stopped (${cause.message})`, { cause }));
    if (this.idle.length === 0 && this.busy.size === 0) {
      this.failure = new ThreadError(`every thread stopped (${cause.message})`, { cause });
      for (const queued of this.queue.splice(0)) queued.reject(this.failure);
    }
  }
}

/** The same tasks run in this thread, one at a time in the order asked: a pool of one, without threads. */
export class InlineRunner implements TaskRunner {
  readonly threads = 1;
  private tail: Promise<unknown> = Promise.resolve();
  private loaded: Promise<TaskModule> | undefined;

  constructor(private readonly module: string) {}

  run<T>(task: string, input: unknown, log: (message: string) => void = () => {}): Promise<T> {
    const next = this.tail.then(async () => {
      this.loaded ??= import(this.module) as Promise<TaskModule>;
      const run = (await this.loaded)[task];
      if (typeof run !== "function") throw new ThreadError(`the task module exports no function "${task}"`);
      return run(input as never, log) as T;
    });
    this.tail = next.catch(() => {});
    return next;
  }

  async close(): Promise<void> {
    await this.tail;
  }
}

/**
 * `threads` threads running `module`'s tasks, or this thread alone when `threads` is 1 or the
 * threads cannot start (a bundle without the entry file, no tsx for a .ts module): the results are
 * the same either way.
 */
export async function openRunner(
  module: string,
  threads: number,
  onFallback?: (error: ThreadError) => void,
): Promise<TaskRunner> {
  if (threads <= 1) return new InlineRunner(module);
  let pool: ThreadPool | undefined;
  try {
    pool = new ThreadPool(module, threads);
    await pool.ready();
    return pool;
  } catch (error) {
    await pool?.close();
    onFallback?.(error instanceof ThreadError ? error : new ThreadError(String(error), { cause: error }));
    return new InlineRunner(module);
  }
}

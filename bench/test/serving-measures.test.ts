import { describe, expect, it } from "vitest";
import { cpuCost, cpuSample } from "../src/serving/cpu.js";
import { parseWrk } from "../src/serving/wrk.js";

// wrk 4.2 --latency against a server answering every 50th request with a 500
const REPORT = `Running 1s test @ http://127.0.0.1:18557/
  1 threads and 2 connections
  Thread Stats   Avg      Stdev     Max   +/- Stdev
    Latency   162.14us  444.81us   6.18ms   94.20%
    Req/Sec    28.33k     9.64k   44.20k    72.73%
  Latency Distribution
     50%   56.00us
     75%   80.00us
     90%  165.00us
     99%    2.50ms
  30942 requests in 1.10s, 3.64MB read
  Socket errors: connect 0, read 3, write 0, timeout 4
  Non-2xx or 3xx responses: 618
Requests/sec:  28140.50
Transfer/sec:      3.31MB
`;

describe("wrk's report", () => {
  it("gives requests/s, percentiles in ms, requests and every error", () => {
    expect(parseWrk(REPORT)).toEqual({ rps: 28140.5, p50: 0.056, p99: 2.5, errors: 625, requests: 30942 });
  });

  it("turns seconds into ms and counts no errors when wrk reports none", () => {
    const slow = REPORT.replace("2.50ms", "1.20s")
      .replace(/ {2}Socket errors.*\n/, "")
      .replace(/ {2}Non-2xx.*\n/, "");
    expect(parseWrk(slow)).toMatchObject({ p99: 1200, errors: 0 });
  });

  it("gives NaN, not zero, for what a broken run did not print", () => {
    const result = parseWrk("unable to connect to 127.0.0.1:9 Connection refused\n");
    expect(result.rps).toBeNaN();
    expect(result.p50).toBeNaN();
    expect(result.requests).toBeNaN();
  });
});

describe("CPU per request", () => {
  it("divides thread and process CPU by the requests and the machine's busy time by its total", () => {
    const before = { thread: 1, process: 2, machineBusy: 10, machineTotal: 40 };
    const after = { thread: 1.5, process: 3, machineBusy: 13, machineTotal: 44 };
    expect(cpuCost(before, after, 10_000)).toEqual({
      threadUsPerRequest: 50,
      processUsPerRequest: 100,
      machineUsPerRequest: 300,
      machineBusyPercent: 75,
    });
    expect(cpuCost(before, after, 0).threadUsPerRequest).toBeNaN();
  });

  it("reads this process from /proc: its thread's CPU within the process's, growing with work", () => {
    const before = cpuSample(process.pid);
    const end = Date.now() + 100;
    let spins = 0;
    while (Date.now() < end) spins++;
    const after = cpuSample(process.pid);
    expect(spins).toBeGreaterThan(0);
    expect(after.thread).toBeGreaterThan(before.thread);
    expect(after.thread).toBeLessThanOrEqual(after.process);
    expect(after.machineTotal).toBeGreaterThan(before.machineTotal);
    expect(() => cpuSample(2 ** 22 + 1)).toThrow(/ENOENT/);
  });
});

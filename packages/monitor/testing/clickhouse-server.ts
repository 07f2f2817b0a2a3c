import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";

/** Whether Debian's clickhouse-server is installed (CI installs it; tests skip with a message without it). */
export function hasClickHouse(): boolean {
  return spawnSync("sh", ["-c", "command -v clickhouse-server"], { stdio: "ignore" }).status === 0;
}

/** A port free on loopback right now (tests that start a server of their own). */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

export interface ClickHouseServer {
  /** http://127.0.0.1:<port> */
  url: string;
  stop(): Promise<void>;
  /** Stops the process but keeps its data, so `start` brings the same server back (an outage). */
  pause(): Promise<void>;
  resume(): Promise<void>;
}

/** A throwaway ClickHouse on loopback: its own data folder, a passwordless local `default` user. */
export async function startClickHouse(): Promise<ClickHouseServer> {
  const dir = await mkdtemp(join(tmpdir(), "lockstep-clickhouse-"));
  const [http, tcp, interserver] = [await freePort(), await freePort(), await freePort()];
  for (const sub of ["data", "tmp", "user_files", "format_schemas"])
    await mkdir(join(dir, sub), { recursive: true });
  await writeFile(
    join(dir, "users.xml"),
    `<?xml version="1.0"?>
<yandex>
  <profiles><default><max_memory_usage>1000000000</max_memory_usage></default></profiles>
  <users><default><password></password><networks><ip>127.0.0.1</ip><ip>::1</ip></networks><profile>default</profile><quota>default</quota></default></users>
  <quotas><default></default></quotas>
</yandex>
`,
  );
  await writeFile(
    join(dir, "config.xml"),
    `<?xml version="1.0"?>
<yandex>
  <logger><level>error</level><console>1</console></logger>
  <http_port>${http}</http_port>
  <tcp_port>${tcp}</tcp_port>
  <interserver_http_port>${interserver}</interserver_http_port>
  <listen_host>127.0.0.1</listen_host>
  <path>${dir}/data/</path>
  <tmp_path>${dir}/tmp/</tmp_path>
  <user_files_path>${dir}/user_files/</user_files_path>
  <format_schema_path>${dir}/format_schemas/</format_schema_path>
  <users_config>${dir}/users.xml</users_config>
  <default_profile>default</default_profile>
  <default_database>default</default_database>
  <timezone>UTC</timezone>
  <mark_cache_size>67108864</mark_cache_size>
  <max_concurrent_queries>50</max_concurrent_queries>
</yandex>
`,
  );
  const url = `http://127.0.0.1:${http}`;
  let child: ChildProcess | undefined;
  const start = async () => {
    const output: string[] = [];
    child = spawn("clickhouse-server", [`--config-file=${join(dir, "config.xml")}`], {
      cwd: dir,
      stdio: ["ignore", "pipe", "pipe"],
    });
    child.stdout!.on("data", (c: Buffer) => output.push(String(c)));
    child.stderr!.on("data", (c: Buffer) => output.push(String(c)));
    const exited = new Promise<never>((_, reject) =>
      child!.once("exit", (code) =>
        reject(new Error(`clickhouse-server exited (${code}): ${output.join("").slice(-2000)}`)),
      ),
    );
    exited.catch(() => {});
    for (let i = 0; i < 300; i++) {
      const ok = await Promise.race([
        fetch(`${url}/ping`).then(
          (r) => r.ok,
          () => false,
        ),
        exited,
      ]);
      if (ok) return;
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error(`clickhouse-server did not answer on ${url}: ${output.join("").slice(-2000)}`);
  };
  const halt = async () => {
    if (!child || child.exitCode !== null) return;
    const exited = new Promise((resolve) => child!.once("exit", resolve));
    child.kill("SIGKILL");
    await exited;
  };
  await start();
  return {
    url,
    pause: halt,
    resume: start,
    async stop() {
      await halt();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

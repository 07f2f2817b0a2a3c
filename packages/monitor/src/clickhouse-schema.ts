import { readdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import type { ClickHouseClient } from "@clickhouse/client";

export const MIGRATIONS_DIR = join(import.meta.dirname, "../schema/clickhouse");
export const PREDICTIONS_TABLE = "lockstep_predictions";
/** A database name ClickHouse takes unquoted (it goes into statements as it is). */
export const DATABASE_NAME = /^[A-Za-z_][A-Za-z0-9_]{0,63}$/;

/**
 * Applies the shipped migrations (schema/clickhouse/NNN_*.sql) not yet recorded in
 * `lockstep_migrations`, in order; returns the ones applied. Safe to run on every start.
 */
export async function migrate(client: ClickHouseClient, database: string): Promise<string[]> {
  if (!DATABASE_NAME.test(database)) throw new RangeError(`"${database}" is not a database name`);
  await client.command({ query: `CREATE DATABASE IF NOT EXISTS ${database}` });
  await client.command({
    query: `CREATE TABLE IF NOT EXISTS ${database}.lockstep_migrations (name String, applied DateTime('UTC')) ENGINE = TinyLog`,
  });
  const done = new Set(
    (
      (await (
        await client.query({
          query: `SELECT name FROM ${database}.lockstep_migrations`,
          format: "JSONEachRow",
        })
      ).json()) as { name: string }[]
    ).map((row) => row.name),
  );
  const files = (await readdir(MIGRATIONS_DIR)).filter((f) => /^\d{3}_[\w-]+\.sql$/.test(f)).sort();
  const applied: string[] = [];
  for (const file of files) {
    if (done.has(file)) continue;
    const sql = (await readFile(join(MIGRATIONS_DIR, file), "utf8"))
      .replace(/^--.*$/gm, "")
      .replaceAll("{database}", database)
      .trim();
    await client.command({ query: sql });
    await client.insert({
      table: `${database}.lockstep_migrations`,
      values: [{ name: file, applied: String(Math.floor(Date.now() / 1000)) }],
      format: "JSONEachRow",
    });
    applied.push(file);
  }
  return applied;
}

import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { FakeGitHub } from "@lockstep/github/testing";
import { buildActions } from "../scripts/build.js";
import { runAction } from "./runner.js";

const TOKEN = "ghs_secret_token_value";
const BOT = "123456:AAE-secret_bot_token";
let action: string;
let work: string;

beforeAll(async () => {
  [action] = await buildActions(["notify-failure"]);
  work = await mkdtemp(join(tmpdir(), "lockstep-notify-"));
});

/** A loopback stand-in for Slack's webhook and Telegram's sendMessage, recording what it is sent. */
class Chat {
  received: { path: string; body: Record<string, unknown> }[] = [];
  status = 200;
  private server: Server | undefined;
  url = "";
  async start() {
    this.server = createServer((req, res) => {
      let text = "";
      req.on("data", (c: Buffer) => (text += c));
      req.on("end", () => {
        this.received.push({ path: req.url!, body: JSON.parse(text) as Record<string, unknown> });
        res.writeHead(this.status, { "content-type": "application/json" }).end('{"ok":true}');
      });
    });
    await new Promise<void>((r) => this.server!.listen(0, "127.0.0.1", r));
    this.url = `http://127.0.0.1:${(this.server!.address() as AddressInfo).port}`;
  }
  stop = () => new Promise<void>((r) => this.server!.close(() => r()));
}

let github: FakeGitHub;
let chat: Chat;
beforeEach(async () => {
  github = new FakeGitHub({ owner: "acme", repo: "models", token: TOKEN });
  await github.start();
  chat = new Chat();
  await chat.start();
});
afterEach(async () => {
  await github.stop();
  await chat.stop();
});

const notify = (inputs: Record<string, string>) =>
  runAction(
    action,
    work,
    work,
    github,
    { token: TOKEN, workflow: "train", ...inputs },
    { GITHUB_REF_NAME: "main" },
  );

describe("the notify-failure action", () => {
  it("opens one issue per failing workflow, rewrites it on the next failure, and posts to Slack and Telegram", async () => {
    const inputs = {
      "slack-webhook-url": `${chat.url}/services/T000/B000/xyz`,
      "telegram-bot-token": BOT,
      "telegram-chat-id": "-100123",
      "telegram-api-url": chat.url,
      details: "model: co2-forecast",
    };
    const first = await notify(inputs);
    expect(first.code, first.stdout).toBe(0);
    expect(github.issues).toHaveLength(1);
    expect(github.issues[0]).toMatchObject({
      title: "train is failing",
      labels: ["ci-failure"],
      state: "open",
    });
    expect(github.issues[0]!.body).toContain("once since this issue opened");
    expect(github.issues[0]!.body).toContain("https://github.com/acme/models/actions/runs/42");
    expect(chat.received.map((r) => r.path)).toEqual(["/services/T000/B000/xyz", `/bot${BOT}/sendMessage`]);
    expect(chat.received[0]!.body.text).toMatch(/^train failed on main \(first failure\)/);
    expect(chat.received[1]!.body).toMatchObject({ chat_id: "-100123" });

    await notify(inputs);
    expect(github.issues).toHaveLength(1);
    expect(github.issues[0]!.body).toContain("2 times since this issue opened");
    // another workflow gets its own issue
    await notify({ workflow: "monitor" });
    expect(github.issues.map((i) => i.title)).toEqual(["train is failing", "monitor is failing"]);
    // secrets never reach the log
    // secrets never reach the log: the runner hides what ::add-mask:: names
    expect(first.stdout).toContain(`::add-mask::${BOT}`);
    expect(
      first.stdout
        .split("\n")
        .filter((l) => !l.startsWith("::add-mask::"))
        .join("\n"),
    ).not.toContain(BOT);
  });

  it("warns when a chat refuses, and still keeps the issue", async () => {
    chat.status = 500;
    const result = await notify({ "slack-webhook-url": `${chat.url}/hook` });
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/::warning::could not post to slack: Slack webhook answered 500/);
    expect(github.issues).toHaveLength(1);
  });

  it.each([
    [{ "slack-webhook-url": "http://example.com/hook" }, /slack-webhook-url must be an https:\/\/ URL/],
    [{ "telegram-bot-token": BOT }, /go together/],
    [{ "telegram-bot-token": "nope", "telegram-chat-id": "1" }, /not a bot token/],
    [{ "telegram-bot-token": BOT, "telegram-chat-id": "1; rm -rf /" }, /must be a chat id/],
    [{ workflow: "../../etc" }, /workflow must be a workflow name/],
  ])("refuses %j", async (inputs, message) => {
    const result = await notify(inputs as Record<string, string>);
    expect(result.code).not.toBe(0);
    expect(result.stdout).toMatch(message);
    expect(github.issues).toHaveLength(0);
  });
});

/** Where a failure message goes: a Slack incoming webhook, or a Telegram bot and chat. */
export type ChatTarget =
  | { kind: "slack"; webhookUrl: string }
  | { kind: "telegram"; botToken: string; chatId: string; apiUrl?: string };

const MAX_TEXT = 3500;

/** Posts one plain-text message; throws with the service's status on failure (the token never appears). */
export async function postChatMessage(target: ChatTarget, text: string, timeoutMs = 15_000): Promise<void> {
  const message = text.length > MAX_TEXT ? `${text.slice(0, MAX_TEXT)}…` : text;
  const [url, body, what] =
    target.kind === "slack"
      ? [target.webhookUrl, { text: message }, "Slack webhook"]
      : [
          `${(target.apiUrl ?? "https://api.telegram.org").replace(/\/+$/, "")}/bot${target.botToken}/sendMessage`,
          { chat_id: target.chatId, text: message, disable_web_page_preview: true },
          "Telegram sendMessage",
        ];
  let response: Response;
  try {
    response = await fetch(url, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(body),
      signal: AbortSignal.timeout(timeoutMs),
    });
  } catch (error) {
    throw new Error(`${what} unreachable: ${(error as Error).name}`);
  }
  if (!response.ok) throw new Error(`${what} answered ${response.status}`);
}

/**
 * A local fake of the Telegram Bot API for grammY (`new Bot(token, { client: { apiRoot } })`,
 * `new Api(token, { apiRoot })`): `POST /bot<token>/<method>` with JSON, form or multipart
 * bodies → `{ ok: true, result }`, or Telegram's error shape with the same HTTP status.
 *
 * It enforces what the real service enforces, so a sender that is too fast fails here first:
 * more than `globalPerSecond` sends in any 1-second window, or a chat's token bucket
 * (`perChatPerSecond`, `1 + perChatBurst` deep) being empty, answers 429 with `retry_after`;
 * wrong token 401; text over 4096 characters 400; unknown chat 400 "chat not found" (a chat is
 * known once it sent something or was registered); a blocked chat 403. Every call is recorded.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import type { Chat, InlineKeyboardMarkup, Message, MessageEntity, Update, User, UserFromGetMe } from "grammy/types";

export interface FakeTelegramOptions {
  token?: string;
  /** Sends accepted in any 1-second window over the whole bot (Telegram: 30). */
  globalPerSecond?: number;
  /** Steady sends per second to one chat (Telegram: 1). */
  perChatPerSecond?: number;
  /** Sends one chat may take at once beyond the steady one (default 1: two in a row pass, a third is 429). */
  perChatBurst?: number;
  /** Milliseconds since the epoch; injectable for tests that drive time themselves. */
  now?: () => number;
}

export interface RecordedCall {
  method: string;
  params: Record<string, unknown>;
  at: number;
  status: number;
  description?: string;
}

export interface Rejected429 {
  method: string;
  chatId: string;
  at: number;
  retryAfter: number;
  limit: "global" | "chat";
}

type ApiResult = { status: number; body: Record<string, unknown> };
type Params = Record<string, unknown>;

/** Methods that count as sending a message (the ones Telegram's flood limits apply to). */
const SEND_METHODS = new Set(["sendMessage"]);
const MAX_TEXT = 4096;
const ok = (result: unknown): ApiResult => ({ status: 200, body: { ok: true, result } });
const err = (code: number, description: string, parameters?: Params): ApiResult => ({
  status: code,
  body: { ok: false, error_code: code, description, ...(parameters ? { parameters } : {}) },
});

export class FakeTelegram {
  readonly token: string;
  readonly bot: UserFromGetMe;
  /** Every call, accepted or not, in arrival order. */
  readonly calls: RecordedCall[] = [];
  /** Every message the bot sent (accepted sendMessage calls), in order. */
  readonly sent: Array<{ at: number; chatId: string; message: Message }> = [];
  /** Every call refused with 429, and which limit refused it. */
  readonly rejected429: Rejected429[] = [];
  /** Every callback query the bot answered. */
  readonly answeredCallbacks: Array<{ id: string; text?: string; at: number }> = [];
  webhookUrl = "";

  private server?: Server;
  private port = 0;
  private readonly now: () => number;
  private readonly globalPerSecond: number;
  private readonly perChatPerSecond: number;
  private readonly perChatCapacity: number;
  private readonly chats = new Map<string, Chat.PrivateChat>();
  private readonly blocked = new Set<string>();
  private readonly messages = new Map<string, Message>();
  private readonly nextMessageId = new Map<string, number>();
  private readonly buckets = new Map<string, { tokens: number; atMs: number }>();
  private recentSends: number[] = [];
  private readonly openQueries = new Set<string>();
  private queue: Update[] = [];
  private nextUpdateId = 1;
  private nextQueryId = 1;
  private poller?: { offset: number; limit: number; done: (r: ApiResult) => void; timer: NodeJS.Timeout };

  constructor(opts: FakeTelegramOptions = {}) {
    this.token = opts.token ?? "123456:TEST-token";
    this.now = opts.now ?? Date.now;
    this.globalPerSecond = opts.globalPerSecond ?? 30;
    this.perChatPerSecond = opts.perChatPerSecond ?? 1;
    this.perChatCapacity = 1 + (opts.perChatBurst ?? 1);
    const id = Number(this.token.split(":")[0]) || 123456;
    this.bot = {
      id,
      is_bot: true,
      first_name: "LeadRelay Test",
      username: "leadrelay_test_bot",
      can_join_groups: true,
      can_read_all_group_messages: false,
      supports_inline_queries: false,
      can_connect_to_business: false,
      has_main_web_app: false,
      has_topics_enabled: false,
      allows_users_to_create_topics: false,
      can_manage_bots: false,
      supports_join_request_queries: false,
    };
  }

  /** Start a fake on 127.0.0.1 on a free port. */
  static async start(opts: FakeTelegramOptions = {}): Promise<FakeTelegram> {
    const fake = new FakeTelegram(opts);
    await fake.listen();
    return fake;
  }

  /** The value for grammY's `apiRoot`. */
  get apiRoot(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  async listen(): Promise<void> {
    const server = createServer((req, res) => void this.onRequest(req, res));
    server.keepAliveTimeout = 1_000;
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    this.port = (server.address() as AddressInfo).port;
    this.server = server;
  }

  /** Ends any long poll, drops keep-alive connections and stops listening. */
  async close(): Promise<void> {
    this.endPoll(ok([]));
    const server = this.server;
    if (!server) return;
    this.server = undefined;
    await new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    });
  }

  /** Make a private chat known (as if the user had pressed Start). */
  registerChat(chatId: number | string, firstName = `User ${chatId}`): Chat.PrivateChat {
    const key = String(chatId);
    let chat = this.chats.get(key);
    if (!chat) {
      chat = { id: Number(chatId), type: "private", first_name: firstName };
      this.chats.set(key, chat);
    }
    return chat;
  }

  /** The user blocked the bot: sends to this chat answer 403. */
  blockChat(chatId: number | string): void {
    this.blocked.add(String(chatId));
  }

  /** The bot's messages to one chat as they stand now (edits applied). */
  messagesTo(chatId: number | string): Message[] {
    return [...this.messages.values()].filter((m) => String(m.chat.id) === String(chatId) && m.from?.is_bot);
  }

  /** Queue an update for getUpdates (an update_id is assigned when missing). */
  pushUpdate(update: Omit<Update, "update_id"> & { update_id?: number }): Update {
    const full = { ...update, update_id: update.update_id ?? this.nextUpdateId } as Update;
    this.nextUpdateId = Math.max(this.nextUpdateId, full.update_id) + 1;
    this.queue.push(full);
    this.flushPoll();
    return full;
  }

  /** A user writes `text` to the bot (commands get their bot_command entity). */
  sendText(chatId: number | string, text: string, from?: Partial<User>): Update {
    const chat = this.registerChat(chatId, from?.first_name);
    const user: User = { id: chat.id, is_bot: false, first_name: chat.first_name, ...from };
    const entities: MessageEntity[] = [];
    const command = /^\/[A-Za-z0-9_]+(@\w+)?/.exec(text);
    if (command) entities.push({ type: "bot_command", offset: 0, length: command[0].length });
    const message = {
      message_id: this.takeMessageId(String(chat.id)),
      date: Math.floor(this.now() / 1000),
      chat,
      from: user,
      text,
      ...(entities.length > 0 ? { entities } : {}),
    } as Message & Update.NonChannel;
    this.messages.set(`${chat.id}:${message.message_id}`, message);
    return this.pushUpdate({ message });
  }

  /** A user taps an inline button with `data` under the bot's message `messageId`. */
  pressButton(chatId: number | string, messageId: number, data: string, from?: Partial<User>): Update {
    const chat = this.registerChat(chatId, from?.first_name);
    const message = this.messages.get(`${chat.id}:${messageId}`);
    if (!message) throw new Error(`fake-telegram: no message ${messageId} in chat ${chatId}`);
    const id = String(this.nextQueryId++);
    this.openQueries.add(id);
    const user: User = { id: chat.id, is_bot: false, first_name: chat.first_name, ...from };
    return this.pushUpdate({
      callback_query: { id, from: user, chat_instance: `ci-${chat.id}`, message, data },
    } as Omit<Update, "update_id">);
  }

  /** Forget the rate-limit history (between phases of a test). */
  resetLimits(): void {
    this.buckets.clear();
    this.recentSends = [];
  }

  private async onRequest(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? "/", "http://127.0.0.1");
    const m = /^\/bot([^/]+)\/([A-Za-z]+)$/.exec(url.pathname);
    let params: Params = {};
    let result: ApiResult;
    try {
      params = await parseBody(req, url);
      if (!m) result = err(404, "Not Found");
      else if (m[1] !== this.token) result = err(401, "Unauthorized");
      else result = await this.call(m[2] as string, params, res);
    } catch (e) {
      result = err(400, `Bad Request: ${(e as Error).message}`);
    }
    const method = m?.[2] ?? url.pathname;
    const description = result.status === 200 ? undefined : String(result.body.description);
    this.calls.push({ method, params, at: this.now(), status: result.status, description });
    if (res.destroyed) return;
    res.writeHead(result.status, { "content-type": "application/json" });
    res.end(JSON.stringify(result.body));
  }

  private async call(method: string, p: Params, res: ServerResponse): Promise<ApiResult> {
    switch (method) {
      case "getMe":
        return ok(this.bot);
      case "deleteWebhook":
        this.webhookUrl = "";
        if (p.drop_pending_updates === true || p.drop_pending_updates === "true") this.queue = [];
        return ok(true);
      case "setWebhook":
        if (typeof p.url !== "string") return err(400, "Bad Request: bad webhook: URL must be provided");
        this.webhookUrl = p.url;
        return ok(true);
      case "getWebhookInfo":
        return ok({ url: this.webhookUrl, has_custom_certificate: false, pending_update_count: this.queue.length });
      case "getUpdates":
        return this.getUpdates(p, res);
      case "sendMessage":
        return this.sendMessage(p);
      case "editMessageText":
        return this.editMessageText(p);
      case "answerCallbackQuery": {
        const id = String(p.callback_query_id ?? "");
        if (!this.openQueries.delete(id)) {
          return err(400, "Bad Request: query is too old and response timeout expired or query ID is invalid");
        }
        this.answeredCallbacks.push({ id, text: p.text as string | undefined, at: this.now() });
        return ok(true);
      }
      case "setMyCommands": {
        // Telegram's limits: 1–100 commands, each 1–32 of a–z, 0–9, _; descriptions 1–256 characters.
        const cmds = Array.isArray(p.commands)
          ? (p.commands as Array<{ command?: unknown; description?: unknown }>)
          : [];
        const bad = cmds.find(
          (c) =>
            typeof c.command !== "string" ||
            !/^[a-z0-9_]{1,32}$/.test(c.command) ||
            typeof c.description !== "string" ||
            c.description.length < 1 ||
            c.description.length > 256,
        );
        if (cmds.length < 1 || cmds.length > 100 || bad) return err(400, "Bad Request: BOT_COMMAND_INVALID");
        return ok(true);
      }
      case "sendChatAction":
        return ok(true);
      default:
        return err(404, "Not Found");
    }
  }

  private sendMessage(p: Params): ApiResult {
    const chatId = String(p.chat_id ?? "");
    const text = typeof p.text === "string" ? p.text : "";
    const chat = this.chats.get(chatId);
    if (!chat) return err(400, "Bad Request: chat not found");
    if (this.blocked.has(chatId)) return err(403, "Forbidden: bot was blocked by the user");
    if (text.trim() === "") return err(400, "Bad Request: message text is empty");
    if (text.length > MAX_TEXT) return err(400, "Bad Request: message is too long");
    const markup = checkMarkup(p.reply_markup);
    if (typeof markup === "string") return err(400, `Bad Request: ${markup}`);
    const limited = this.admit("sendMessage", chatId);
    if (limited) return limited;
    const message = {
      message_id: this.takeMessageId(chatId),
      date: Math.floor(this.now() / 1000),
      chat,
      from: this.bot,
      text,
      ...(markup ? { reply_markup: markup } : {}),
    } as Message;
    this.messages.set(`${chatId}:${message.message_id}`, message);
    this.sent.push({ at: this.now(), chatId, message });
    return ok(message);
  }

  private editMessageText(p: Params): ApiResult {
    const chatId = String(p.chat_id ?? "");
    if (!this.chats.has(chatId)) return err(400, "Bad Request: chat not found");
    const key = `${chatId}:${Number(p.message_id)}`;
    const current = this.messages.get(key);
    if (!current) return err(400, "Bad Request: message to edit not found");
    if (!current.from?.is_bot) return err(400, "Bad Request: message can't be edited");
    const text = typeof p.text === "string" ? p.text : "";
    if (text.trim() === "") return err(400, "Bad Request: message text is empty");
    if (text.length > MAX_TEXT) return err(400, "Bad Request: MESSAGE_TOO_LONG");
    const markup = checkMarkup(p.reply_markup);
    if (typeof markup === "string") return err(400, `Bad Request: ${markup}`);
    if (current.text === text && JSON.stringify(current.reply_markup) === JSON.stringify(markup)) {
      return err(
        400,
        "Bad Request: message is not modified: specified new message content and reply markup are exactly the same as a current content and reply markup of the message",
      );
    }
    const { reply_markup: _old, ...rest } = current;
    const edited = {
      ...rest,
      text,
      edit_date: Math.floor(this.now() / 1000),
      ...(markup ? { reply_markup: markup } : {}),
    } as Message;
    this.messages.set(key, edited);
    return ok(edited);
  }

  /** Apply the flood limits to one send; null when it may go (and is counted), else the 429. */
  private admit(method: string, chatId: string): ApiResult | null {
    if (!SEND_METHODS.has(method)) return null;
    const now = this.now();
    this.recentSends = this.recentSends.filter((t) => t > now - 1_000);
    const bucket = this.buckets.get(chatId) ?? { tokens: this.perChatCapacity, atMs: now };
    bucket.tokens = Math.min(
      this.perChatCapacity,
      bucket.tokens + ((now - bucket.atMs) * this.perChatPerSecond) / 1000,
    );
    bucket.atMs = now;
    this.buckets.set(chatId, bucket);
    let limit: Rejected429["limit"] | undefined;
    let waitMs = 0;
    if (this.recentSends.length >= this.globalPerSecond) {
      limit = "global";
      waitMs = (this.recentSends[this.recentSends.length - this.globalPerSecond] ?? now) + 1_000 - now;
    } else if (bucket.tokens < 1) {
      limit = "chat";
      waitMs = ((1 - bucket.tokens) * 1000) / this.perChatPerSecond;
    }
    if (limit) {
      const retryAfter = Math.max(1, Math.ceil(waitMs / 1000));
      this.rejected429.push({ method, chatId, at: now, retryAfter, limit });
      return err(429, `Too Many Requests: retry after ${retryAfter}`, { retry_after: retryAfter });
    }
    bucket.tokens -= 1;
    this.recentSends.push(now);
    return null;
  }

  private getUpdates(p: Params, res: ServerResponse): Promise<ApiResult> | ApiResult {
    if (this.webhookUrl) {
      return err(
        409,
        "Conflict: can't use getUpdates method while webhook is active; use deleteWebhook to delete the webhook first",
      );
    }
    const offset = Number(p.offset ?? 0);
    const limit = Math.min(100, Math.max(1, Number(p.limit ?? 100)));
    const timeoutS = Math.min(50, Math.max(0, Number(p.timeout ?? 0)));
    if (offset > 0) this.queue = this.queue.filter((u) => u.update_id >= offset);
    this.endPoll(
      err(409, "Conflict: terminated by other getUpdates request; make sure that only one bot instance is running"),
    );
    const ready = this.queue.slice(0, limit);
    if (ready.length > 0 || timeoutS === 0) return ok(ready);
    return new Promise<ApiResult>((resolve) => {
      const timer = setTimeout(() => this.endPoll(ok([])), timeoutS * 1000);
      this.poller = { offset, limit, done: resolve, timer };
      // The client gave up (grammY's bot.stop() aborts its poll): end the poll with it.
      res.once("close", () => {
        if (this.poller?.done === resolve) this.endPoll(ok([]));
      });
    });
  }

  private flushPoll(): void {
    if (!this.poller) return;
    const ready = this.queue.slice(0, this.poller.limit);
    if (ready.length > 0) this.endPoll(ok(ready));
  }

  private endPoll(result: ApiResult): void {
    const poller = this.poller;
    if (!poller) return;
    this.poller = undefined;
    clearTimeout(poller.timer);
    poller.done(result);
  }

  private takeMessageId(chatId: string): number {
    const id = this.nextMessageId.get(chatId) ?? 1;
    this.nextMessageId.set(chatId, id + 1);
    return id;
  }
}

/** Validate reply_markup as Telegram does for inline keyboards; a string is the error text. */
function checkMarkup(raw: unknown): InlineKeyboardMarkup | undefined | string {
  if (raw === undefined || raw === null || raw === "") return undefined;
  const markup = typeof raw === "string" ? (JSON.parse(raw) as unknown) : raw;
  if (typeof markup !== "object" || markup === null) return "can't parse reply keyboard markup JSON object";
  const rows = (markup as { inline_keyboard?: unknown }).inline_keyboard;
  if (rows === undefined) return markup as InlineKeyboardMarkup;
  if (!Array.isArray(rows) || !rows.every(Array.isArray)) return 'field "inline_keyboard" must be an Array of Arrays';
  for (const button of rows.flat() as Array<{ text?: unknown; callback_data?: unknown }>) {
    if (typeof button.text !== "string" || button.text === "")
      return "text buttons are unallowed in the inline keyboard";
    const data = button.callback_data;
    if (typeof data === "string" && (data.length === 0 || Buffer.byteLength(data) > 64)) return "BUTTON_DATA_INVALID";
  }
  return markup as InlineKeyboardMarkup;
}

/** Parameters from the query string and a JSON, urlencoded or multipart body (files are skipped). */
async function parseBody(req: IncomingMessage, url: URL): Promise<Params> {
  const params: Params = Object.fromEntries(url.searchParams);
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  const raw = Buffer.concat(chunks).toString("utf8");
  const type = req.headers["content-type"] ?? "";
  if (raw.trim() === "") return params;
  if (type.includes("application/json")) return { ...params, ...(JSON.parse(raw) as Params) };
  const fields: Array<[string, string]> = [];
  if (type.includes("multipart/form-data")) {
    const boundary = /boundary="?([^";]+)"?/.exec(type)?.[1];
    if (!boundary) throw new Error("multipart body without boundary");
    for (const part of raw.split(`--${boundary}`)) {
      const [head = "", ...body] = part.split("\r\n\r\n");
      const name = /name="([^"]+)"/.exec(head)?.[1];
      if (name && !/filename=/.test(head)) fields.push([name, body.join("\r\n\r\n").replace(/\r\n$/, "")]);
    }
  } else {
    fields.push(...new URLSearchParams(raw));
  }
  for (const [k, v] of fields) params[k] = /^[[{]/.test(v) ? JSON.parse(v) : v;
  return params;
}

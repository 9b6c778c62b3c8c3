import type { Feature } from "../types.js";
import { bidButton, customBid } from "./bid.js";
import { card } from "./card.js";
import { crmText, customerPick } from "./crm-text.js";
import { customerReply, customerStart, optOut } from "./customer.js";
import { customerButton, undoLog } from "./customer-actions.js";
import { attachmentOnly, noWords, tooLong, unknownChoice, unknownCommand } from "./fallback.js";
import { cancel, help } from "./help.js";
import { leads } from "./leads.js";
import { accessRequest, accountGate, start, unknownPerson } from "./link.js";
import { lost, outcomePick, won } from "./outcome.js";
import { stats } from "./stats.js";
import { appeal, strikes } from "./strikes.js";
import { reminderDone, today } from "./today.js";
import { pickWindow, windowReply } from "./window.js";

/**
 * Every feature, in the order they are tried; the first match handles the message.
 *
 * 1. Customers first: opt-out words win over everything, then their replies are relayed.
 * 2. Linking and strangers, then the account gate (pending/disabled accounts stop here).
 * 3. Commands (`/won`, `/today`…; `cmd:<name>` buttons count as commands), then unknown ones.
 * 4. Buttons, each by its data prefix, then unknown buttons.
 * 5. Plain text, most specific first:
 *    - too long for anything → said so;
 *    - the pending custom-bid question takes its number (a question the chat asked wins);
 *    - attachments and emoji-only text → a short hint;
 *    - `crmText`: text that reads as a CRM instruction — a known verb at the very start
 *      ("called Anna, …", "met Bo", "note Anna: …", "remind me tomorrow 9:00 …", "next stage
 *      Anna", "pause/resume/stop Anna"). Its grammar is strict, and it never takes an explicit
 *      reply to a message (that answers a customer). If the name matches none of the person's
 *      own customers, or a reminder's time cannot be read, and a response window is open, it
 *      hands the text to `windowReply` after all — so with a window open, anything that is
 *      not unmistakably an instruction about a known customer still reaches the customer
 *      exactly as before;
 *    - `windowReply`: everything else answers a customer (the replied-to message's lead, or
 *      the one open window; several → "which customer?").
 */
export const FEATURES: readonly Feature[] = [
  optOut,
  customerStart,
  customerReply,
  start,
  accessRequest,
  unknownPerson,
  accountGate,
  help,
  cancel,
  leads,
  strikes,
  appeal,
  won,
  lost,
  stats,
  today,
  card,
  unknownCommand,
  bidButton,
  pickWindow,
  outcomePick,
  reminderDone,
  customerButton,
  customerPick,
  undoLog,
  unknownChoice,
  tooLong,
  customBid,
  attachmentOnly,
  noWords,
  crmText,
  windowReply,
];

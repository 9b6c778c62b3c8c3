import type { Feature } from "../types.js";
import { aiDiscard, aiEdit, aiEditText, aiSend, aiShow, aiSuggest, aiSummary, aiSummaryButton } from "./ai.js";
import { applianceCommand, appliancePick } from "./appliance.js";
import { askAnswer, askButton } from "./ask.js";
import { bidButton, customBid } from "./bid.js";
import { card } from "./card.js";
import { crmText, customerPick } from "./crm-text.js";
import { customerReply, customerStart, optOut } from "./customer.js";
import { customerButton, undoLog } from "./customer-actions.js";
import { attachmentOnly, noWords, tooLong, unknownChoice, unknownCommand } from "./fallback.js";
import { cancel, help } from "./help.js";
import { leads } from "./leads.js";
import { accessRequest, accountGate, start, unknownPerson } from "./link.js";
import { message, replyButton, replyText } from "./message.js";
import { opportunityCommand } from "./opportunity.js";
import { lost, outcomePick, won } from "./outcome.js";
import { profile, profileButton, zips } from "./profile.js";
import { doneButton, doneCommand, doneText, serviceAnswer, serviceButton } from "./service.js";
import { stats } from "./stats.js";
import { appeal, strikes } from "./strikes.js";
import { reminderDone, reminderSnooze, today } from "./today.js";
import { pickWindow, windowReply } from "./window.js";

/**
 * Every feature, in the order they are tried; the first match handles the message.
 *
 * 1. Customers first: opt-out words win over everything, then their replies are relayed.
 * 2. Linking and strangers, then the account gate (pending/disabled accounts stop here).
 * 3. Commands (`/won`, `/today`…; `cmd:<name>` buttons count as commands — the menu buttons of
 *    commands that need words first ask for them, `askButton`), then unknown ones.
 * 4. Buttons, each by its data prefix, then unknown buttons.
 * 5. Plain text, most specific first:
 *    - too long for anything → said so;
 *    - a question the chat asked wins: the words a menu button asked for, the text after
 *      "Reply" under a customer's message, the new words of an AI draft after its "Edit", the
 *      pending custom bid's number;
 *    - attachments and emoji-only text → a short hint;
 *    - `doneText`: "done 450 card Anna" — a job done and paid (bot/chat/features/service.ts); with
 *      a response window open, text it cannot place still goes to the customer;
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
  askButton,
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
  aiSummary,
  doneCommand,
  applianceCommand,
  opportunityCommand,
  profile,
  zips,
  message,
  unknownCommand,
  bidButton,
  pickWindow,
  outcomePick,
  reminderDone,
  reminderSnooze,
  profileButton,
  replyButton,
  customerButton,
  customerPick,
  undoLog,
  doneButton,
  appliancePick,
  serviceButton,
  aiSuggest,
  aiShow,
  aiSend,
  aiEdit,
  aiDiscard,
  aiSummaryButton,
  unknownChoice,
  tooLong,
  serviceAnswer,
  aiEditText,
  askAnswer,
  replyText,
  customBid,
  attachmentOnly,
  noWords,
  doneText,
  crmText,
  windowReply,
];

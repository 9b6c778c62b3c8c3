import type { Feature } from "../types.js";
import { bidButton, customBid } from "./bid.js";
import { customerReply, customerStart, optOut } from "./customer.js";
import { attachmentOnly, noWords, tooLong, unknownChoice, unknownCommand } from "./fallback.js";
import { cancel, help } from "./help.js";
import { leads } from "./leads.js";
import { accessRequest, accountGate, start, unknownPerson } from "./link.js";
import { appeal, strikes } from "./strikes.js";
import { pickWindow, windowReply } from "./window.js";

/**
 * Every feature, in the order they are tried; the first match handles the message.
 * Customers first (opt-out words win over everything), then linking and strangers, then the
 * account gate, commands, buttons, the pending question, guards, and plain text last.
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
  unknownCommand,
  bidButton,
  pickWindow,
  unknownChoice,
  tooLong,
  customBid,
  attachmentOnly,
  noWords,
  windowReply,
];

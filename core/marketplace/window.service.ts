/**
 * The response-window use cases under their long-standing import path (the API, the chat app
 * and tests import them from here): the contractor's answer and relay
 * (window-answer.service.ts) and the window's warning and expiry (window-expiry.service.ts).
 * Opening a window is window-open.ts; the rules they share — open, due, strike — lead-state.ts.
 */
export { MAX_MESSAGE_CHARS, sendLeadMessage } from "./window-answer.service.js";
export { expireWindow, warnWindow } from "./window-expiry.service.js";

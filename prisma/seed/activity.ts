/**
 * The day-to-day trail: the interaction log (calls, notes, meetings, e-mails), reminders (some
 * due, some overdue) and the marketer's funnel as seed-003 events, idempotent by `event_id`.
 * Reminders made by an event rule (Video Sent → 24h/48h, No-Show → 2h/1d, Presentation Sent →
 * 48h) or by inactivity carry a dedupe key naming their cause, as the rules would write it.
 */
import type { EventName, InteractionType, Prisma, ReminderType } from "../generated/client.js";
import { customerRef } from "./customers.js";
import { at, count, DAY, demoId, HOUR, MINUTE, type SeedContext, sha256Json } from "./kit.js";
import { userId } from "./people.js";

/** [customer, type, direction, how long ago, content, scheduled in (for upcoming ones)]. */
type InteractionSpec = [string, InteractionType, "inbound" | "outbound" | null, number, string, number?];

const INTERACTIONS: readonly InteractionSpec[] = [
  ["nguyen", "meeting", null, 8 * DAY, "Site visit: 3-ton Goodman, 17 years, leaking coil. Sized a 16 SEER2."],
  ["nguyen", "email", "outbound", 6 * DAY, "Sent the AC replacement quote ($11,800) with two financing options."],
  ["delgado", "call", "inbound", 2 * DAY, "Water pooling near the heater; booked a site visit."],
  ["delgado", "meeting", null, 0, "Site visit: expansion tank and TPR discharge line.", 1 * DAY],
  ["patel", "note", null, 1 * DAY, "Interested in a heat pump; asked about rebates."],
  ["acosta", "call", "outbound", 5 * DAY, "Went through second-floor heat pump options; comparing two quotes."],
  ["acosta", "sms", "inbound", 3 * DAY, "Can we do the maintenance visit next week too?"],
  ["brennan", "call", "outbound", 9 * DAY, "Kevin accepted the quote. Install booked for next Tuesday."],
  ["whitaker", "note", null, 20 * DAY, "Tech Luis flagged the water heater as end of life (12 years, rusty water)."],
  ["hayes", "call", "outbound", 15 * DAY, "Brenda went with a cheaper bid. Offered a tune-up plan instead."],
  ["lopez", "meeting", null, 0, "Annual AC maintenance (Kim).", 3 * DAY],
  ["fischer", "email", "outbound", 4 * DAY, "Sent the tankless upgrade quote ($3,900)."],
  ["romero", "call", "outbound", 12 * DAY, "Elena approved the expansion tank and the new heater."],
  ["begay", "call", "inbound", 2 * DAY, "Hard water spots everywhere; wants a softener quote."],
  ["tran", "call", "inbound", 1 * DAY, "Warm spot on the kitchen floor, possible slab leak. Left a voicemail."],
  ["kowalski", "note", null, 7 * DAY, "Asked to be called after her trip."],
  ["lead:tankless-install", "call", "outbound", 4 * HOUR - 20 * MINUTE, "Confirmed tomorrow's 9am visit."],
  ["turner", "note", "inbound", 3 * HOUR, "DM: loved the 5-day challenge post, asked how it works."],
  ["cole", "note", "outbound", 2 * DAY, "Chatted about her kids' soccer season; no pitch yet."],
  ["nielsen", "note", "outbound", 2 * HOUR, "Invited Kasper to watch the 12-minute overview video."],
  ["miles", "note", "outbound", 26 * HOUR, "Sent the product video link."],
  ["jensen", "call", "outbound", 1 * DAY, "Sofie is keen. Qualified: wants extra income, 5 h/week."],
  ["webb", "meeting", null, 5 * HOUR, "Zoom booked for 10:00; Marcus did not show."],
  ["andersen", "meeting", null, 3 * DAY, "Presentation held on Zoom; asked about the starter kit price."],
  ["brooks", "call", "outbound", 8 * DAY, "Tanya joined the team! Onboarding call booked."],
  ["andersen", "call", null, 0, "Follow-up call about the starter kit.", 1 * DAY],
];

/** [customer, type, due (from now), message, state]. */
type ReminderSpec = [string, ReminderType, number, string, ("notified" | "completed")?];

const REMINDERS: readonly ReminderSpec[] = [
  ["nguyen", "follow_up_48h", -2 * DAY, "Follow up on Linh's AC quote", "notified"],
  ["whitaker", "follow_up_24h", -1 * DAY, "Call Tom about the water heater replacement", "notified"],
  ["patel", "custom", -3 * DAY, "Send the maintenance-plan brochure", "completed"],
  ["delgado", "follow_up_1d", 1 * DAY, "Confirm tomorrow's site visit with Rosa"],
  ["fischer", "follow_up_1d", -2 * HOUR, "Nudge Mark on the tankless quote"],
  ["tran", "follow_up_2h", -30 * MINUTE, "Call Minh back about the slab leak"],
  ["miles", "follow_up_24h", -2 * HOUR, "Video sent 24h ago: ask Jordan what he thought"],
  ["miles", "follow_up_48h", 22 * HOUR, "Video sent 48h ago: check in with Jordan again"],
  ["webb", "follow_up_2h", -3 * HOUR, "No-show: message Marcus to rebook", "notified"],
  ["webb", "follow_up_1d", 19 * HOUR, "No-show yesterday: offer two new times"],
  ["andersen", "follow_up_48h", -1 * DAY, "Presentation sent 48h ago: ask Freja for feedback", "completed"],
  ["christensen", "follow_up_7d", -2 * DAY, "Mads has been quiet for 7 days: reconnect", "notified"],
  ["price", "follow_up_7d", -13 * DAY, "Lauren has been quiet for 7 days: reconnect", "notified"],
];

/** [customer, event, how long ago, source]. */
type EventSpec = [string, EventName, number, string];

/** The marketer's funnel, numbered oldest first (demo-evt-001 …). */
const EVENTS: readonly EventSpec[] = (
  [
    ["price", "DM_STARTED", 40 * DAY, "ig"],
    ["price", "INVITE_SENT", 35 * DAY, "ig"],
    ["brooks", "DM_STARTED", 30 * DAY, "ig"],
    ["shaw", "DM_STARTED", 25 * DAY, "ads"],
    ["brooks", "INVITE_SENT", 24 * DAY, "ig"],
    ["shaw", "VIDEO_SENT", 20 * DAY, "manual"],
    ["brooks", "MEETING_BOOKED", 18 * DAY, "manual"],
    ["shaw", "PURCHASED", 16 * DAY, "web"],
    ["andersen", "DM_STARTED", 15 * DAY, "messenger"],
    ["webb", "DM_STARTED", 14 * DAY, "messenger"],
    ["brooks", "MEETING_HELD", 12 * DAY, "manual"],
    ["jensen", "DM_STARTED", 12 * DAY, "ig"],
    ["miles", "DM_STARTED", 10 * DAY, "ig"],
    ["andersen", "INVITE_SENT", 9 * DAY, "messenger"],
    ["brooks", "JOINED_TEAM", 8 * DAY, "manual"],
    ["nielsen", "DM_STARTED", 8 * DAY, "messenger"],
    ["webb", "INVITE_SENT", 7 * DAY, "messenger"],
    ["jensen", "INVITE_SENT", 6 * DAY, "ig"],
    ["andersen", "MEETING_BOOKED", 5 * DAY, "manual"],
    ["jensen", "VIDEO_SENT", 4 * DAY, "whatsapp"],
    ["andersen", "MEETING_HELD", 3 * DAY + HOUR, "manual"],
    ["andersen", "PRESENTATION_SENT", 3 * DAY, "manual"],
    ["miles", "INVITE_SENT", 3 * DAY, "ig"],
    ["webb", "MEETING_BOOKED", 3 * DAY, "manual"],
    ["miles", "VIDEO_SENT", 26 * HOUR, "manual"],
    ["jensen", "LEAD_QUALIFIED", 1 * DAY, "manual"],
    ["webb", "NO_SHOW", 5 * HOUR, "manual"],
    ["turner", "DM_STARTED", 3 * HOUR, "ig"],
    ["nielsen", "INVITE_SENT", 2 * HOUR, "whatsapp"],
    ["andersen", "FOLLOW_UP", 1 * HOUR, "manual"],
  ] satisfies EventSpec[]
).sort((a, b) => b[2] - a[2]);

/** The reminders each event rule creates (seed 003 automations). */
const EVENT_REMINDERS: Partial<Record<EventName, ReminderType[]>> = {
  VIDEO_SENT: ["follow_up_24h", "follow_up_48h"],
  NO_SHOW: ["follow_up_2h", "follow_up_1d"],
  PRESENTATION_SENT: ["follow_up_48h"],
};

const eventIdAt = (i: number) => `demo-evt-${String(i + 1).padStart(3, "0")}`;

/** The dedupe key a rule would have written: the causing event, inactivity, or a plain one. */
function reminderDedupeKey([customer, type]: ReminderSpec, i: number): string {
  let cause = -1;
  EVENTS.forEach(([c, name], e) => {
    if (c === customer && EVENT_REMINDERS[name]?.includes(type)) cause = e;
  });
  if (cause >= 0) return `evt:${eventIdAt(cause)}:${type}`;
  if (type === "follow_up_7d") return `inactive:${customerRef(customer).id}:${type}`;
  return `demo:reminder:${i + 1}`;
}

/** Insert interactions, reminders and event logs. */
export async function seedActivity(ctx: SeedContext): Promise<void> {
  const { tx } = ctx;
  const interactions: Prisma.CustomerInteractionCreateManyInput[] = INTERACTIONS.map(
    ([customer, type, direction, ago, content, scheduledIn], i) => {
      const ref = customerRef(customer);
      const written = at(ctx, scheduledIn !== undefined ? -2 * HOUR : -ago);
      return {
        id: demoId(`interaction:${i + 1}`),
        customer_id: ref.id,
        owner_id: userId(ref.owner),
        created_by: userId(ref.owner),
        type,
        direction,
        content,
        scheduled_for: scheduledIn !== undefined ? at(ctx, scheduledIn) : null,
        completed: scheduledIn === undefined,
        created_at: written,
        updated_at: written,
      };
    },
  );
  count(ctx, "customer_interactions", (await tx.customerInteraction.createMany({ data: interactions })).count);

  const reminders: Prisma.ReminderCreateManyInput[] = REMINDERS.map((spec, i) => {
    const [customer, type, offset, message, state] = spec;
    const ref = customerRef(customer);
    const due = at(ctx, offset);
    return {
      id: demoId(`reminder:${i + 1}`),
      owner_id: userId(ref.owner),
      customer_id: ref.id,
      type,
      scheduled_for: due,
      message,
      completed: state === "completed",
      completed_at: state === "completed" ? new Date(due.getTime() + 2 * HOUR) : null,
      notified_at: state ? due : null,
      dedupe_key: reminderDedupeKey(spec, i),
      created_at: new Date(due.getTime() - DAY),
    };
  });
  count(ctx, "reminders", (await tx.reminder.createMany({ data: reminders })).count);

  const marketer = userId("marketer");
  const events: Prisma.EventLogCreateManyInput[] = EVENTS.map(([customer, name, ago, source], i) => {
    const event_id = eventIdAt(i);
    const timestamp = at(ctx, -ago);
    const properties = { customer_ref: customer, channel: source === "ig" ? "instagram" : source };
    const utm =
      name === "DM_STARTED" && source === "ig"
        ? { utm_source: "instagram", utm_medium: "dm", utm_campaign: "spring-reset" }
        : undefined;
    const envelope = { event_id, event_name: name, timestamp: timestamp.toISOString(), source, properties, utm };
    const made = EVENT_REMINDERS[name];
    return {
      id: demoId(`event:${event_id}`),
      event_id,
      event_name: name,
      customer_id: customerRef(customer).id,
      owner_id: marketer,
      user_id: marketer,
      source,
      timestamp,
      properties,
      utm,
      payload_hash: sha256Json(envelope),
      result: made ? { reminders: made } : { ok: true },
      created_at: new Date(timestamp.getTime() + 1000),
    };
  });
  count(ctx, "event_logs", (await tx.eventLog.createMany({ data: events })).count);
}

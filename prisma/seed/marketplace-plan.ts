/**
 * The demo marketplace as a script: each lead with its bids and what happened in each
 * response window. marketplace.ts plays the script with the real pricing and ranking rules.
 */
import { DAY, HOUR } from "./kit.js";
import type { ContractorKey } from "./people.js";
import type { LeadSourceSlug } from "./reference.js";

/** One bid: who, which multiplier, and how many minutes after the lead arrived. */
interface BidPlan {
  who: ContractorKey;
  m: number;
  afterMin: number;
}

/** What happened in the response window of each rank, in rank order. */
type WindowPlan = { kind: "expired" } | { kind: "responded"; afterMin: number } | { kind: "open" };

/** One scripted lead. `createdAgoMs` is how long before `now` it arrived. */
export interface LeadPlan {
  key: string;
  title: string;
  description: string;
  category: string;
  zip: string;
  source: LeadSourceSlug;
  urgency: "low" | "medium" | "high" | "urgent";
  customer: { name: string; email: string; phone: string; address: string };
  createdAgoMs: number;
  bids: BidPlan[];
  windows: WindowPlan[];
  /** The contractor expected to make contact (checked, so a pricing change cannot silently reshuffle the demo). */
  winner?: ContractorKey;
  archived?: boolean;
  /** Revenue of the booking that followed the contact (a `booked` conversion). */
  bookedRevenue?: string;
  budget?: [string, string];
  language?: string;
  firstMessage?: string;
  reply?: string;
}

const expired: WindowPlan = { kind: "expired" };
const open: WindowPlan = { kind: "open" };
const responded = (afterMin: number): WindowPlan => ({ kind: "responded", afterMin });

/** The eleven demo leads: 3 ACTIVE, PENDING_RESPONSE_1 and _2, 3 CONTACTED, 2 EXPIRED, 1 ARCHIVED. */
export const LEAD_PLANS: readonly LeadPlan[] = [
  {
    key: "ac-upstairs",
    title: "Upstairs AC blowing warm air",
    description: "Two-story home, upstairs unit runs but blows warm since this morning. 3-ton, about 9 years old.",
    category: "hvac",
    zip: "85004",
    source: "google_local_services",
    urgency: "urgent",
    customer: {
      name: "Heather Lindgren",
      email: "heather.lindgren@example.com",
      phone: "+16025550141",
      address: "218 E Portland St",
    },
    createdAgoMs: 6 * 60_000,
    bids: [
      { who: "breeze", m: 1.2, afterMin: 1 },
      { who: "saguaro", m: 1.1, afterMin: 2 },
      { who: "camelback", m: 1.0, afterMin: 3 },
      { who: "sonoran", m: 1.5, afterMin: 4 },
    ],
    windows: [],
    budget: ["150.00", "600.00"],
  },
  {
    key: "wh-garage-leak",
    title: "Water heater leaking in garage",
    description: "40-gallon gas tank, puddle under it and rusty water from the hot taps.",
    category: "water-heaters",
    zip: "85006",
    source: "facebook_leads",
    urgency: "high",
    customer: {
      name: "Omar Haddad",
      email: "omar.haddad@example.com",
      phone: "+16025550142",
      address: "1520 N 26th St",
    },
    createdAgoMs: 3 * 60_000,
    bids: [
      { who: "saguaro", m: 1.3, afterMin: 1 },
      { who: "breeze", m: 1.1, afterMin: 2 },
    ],
    windows: [],
  },
  {
    key: "ev-panel",
    title: "Panel upgrade for an EV charger",
    description: "100A panel, want a 60A circuit for a Level 2 charger in the carport.",
    category: "electrical",
    zip: "85020",
    source: "website",
    urgency: "medium",
    customer: {
      name: "Chris Yazzie",
      email: "chris.yazzie@example.com",
      phone: "+16025550143",
      address: "9033 N 7th St",
    },
    createdAgoMs: 2 * 60_000,
    bids: [
      { who: "copper", m: 1.0, afterMin: 1 },
      { who: "camelback", m: 1.25, afterMin: 1.5 },
    ],
    windows: [],
    budget: ["1500.00", "4000.00"],
  },
  {
    key: "furnace-ac-replacement",
    title: "Quote: replace 20-year-old furnace and AC",
    description:
      "Original 2005 system, R-22, short-cycling. Wants quotes for a full replacement with a heat pump option.",
    category: "hvac",
    zip: "85004",
    source: "google_local_services",
    urgency: "high",
    customer: {
      name: "Patricia Gomez",
      email: "patricia.gomez@example.com",
      phone: "+16025550144",
      address: "702 N 3rd Ave",
    },
    createdAgoMs: 55 * 60_000,
    bids: [
      { who: "sonoran", m: 2.0, afterMin: 2 },
      { who: "saguaro", m: 1.6, afterMin: 4 },
      { who: "breeze", m: 1.5, afterMin: 6 },
      { who: "camelback", m: 1.2, afterMin: 9 },
    ],
    windows: [open],
    budget: ["9000.00", "16000.00"],
  },
  {
    key: "mini-split",
    title: "Ductless mini-split for a casita",
    description: "Detached 400 sq ft casita, no ductwork. Wants a single-zone mini-split installed.",
    category: "hvac",
    zip: "85005",
    source: "google_local_services",
    urgency: "medium",
    customer: {
      name: "Walter Kim",
      email: "walter.kim@example.com",
      phone: "+16025550145",
      address: "3311 W Osborn Rd",
    },
    createdAgoMs: 3 * HOUR,
    bids: [
      { who: "camelback", m: 1.8, afterMin: 2 },
      { who: "breeze", m: 1.2, afterMin: 5 },
      { who: "saguaro", m: 1.1, afterMin: 7 },
    ],
    windows: [expired, open],
  },
  {
    key: "tankless-install",
    title: "Tankless water heater install",
    description: "Replacing a 50-gallon tank with a gas tankless unit; gas line may need upsizing.",
    category: "water-heaters",
    zip: "85006",
    source: "referral",
    urgency: "medium",
    customer: {
      name: "Jessica Coleman",
      email: "jessica.coleman@example.com",
      phone: "+16025550146",
      address: "2844 E Flower St",
    },
    createdAgoMs: 5 * HOUR,
    bids: [
      { who: "saguaro", m: 1.8, afterMin: 5 },
      { who: "breeze", m: 1.4, afterMin: 12 },
    ],
    windows: [responded(12)],
    winner: "saguaro",
    firstMessage:
      "Hi Jessica, this is Jenna from Saguaro Plumbing. Got your tankless request. I can come by tomorrow at 9am to check the gas line sizing. Does that work?",
    reply: "Tomorrow at 9 works. Thank you for the quick reply!",
  },
  {
    key: "monsoon-roof-leak",
    title: "Roof leak after monsoon storm",
    description: "Water coming through the ceiling in the back bedroom after last night's storm. Tile roof.",
    category: "roofing",
    zip: "85033",
    source: "facebook_leads",
    urgency: "urgent",
    customer: {
      name: "Guadalupe Ruiz",
      email: "lupe.ruiz@example.com",
      phone: "+16025550147",
      address: "5026 W Indian School Rd",
    },
    createdAgoMs: 2 * DAY,
    bids: [],
    windows: [],
    language: "es",
  },
  {
    key: "ac-estimate-archived",
    title: "AC replacement estimate (3.5 ton)",
    description: "Condenser fan seized twice this summer; wants a replacement estimate.",
    category: "hvac",
    zip: "85008",
    source: "google_local_services",
    urgency: "medium",
    customer: {
      name: "Susan Albright",
      email: "susan.albright@example.com",
      phone: "+16025550148",
      address: "4410 E Monte Vista Rd",
    },
    createdAgoMs: 42 * DAY,
    bids: [
      { who: "breeze", m: 1.6, afterMin: 3 },
      { who: "saguaro", m: 1.2, afterMin: 5 },
      { who: "sonoran", m: 1.3, afterMin: 8 },
    ],
    windows: [responded(25)],
    winner: "breeze",
    archived: true,
    bookedRevenue: "8450.00",
    firstMessage:
      "Hi Susan, Carlos from Desert Breeze. I can do a free replacement estimate Thursday 8am. Shall I book it?",
    reply: "Yes please, Thursday 8am.",
  },
  {
    key: "strike-1",
    title: "AC not turning on, thermostat blank",
    description: "Thermostat screen is blank and the outdoor unit is silent. Breaker looks fine.",
    category: "hvac",
    zip: "85007",
    source: "google_local_services",
    urgency: "high",
    customer: {
      name: "Robert Haines",
      email: "robert.haines@example.com",
      phone: "+16025550149",
      address: "1107 W Jefferson St",
    },
    createdAgoMs: 19 * DAY,
    bids: [
      { who: "quickfix", m: 2.0, afterMin: 2 },
      { who: "saguaro", m: 1.4, afterMin: 6 },
    ],
    windows: [expired, responded(18)],
    winner: "saguaro",
    firstMessage: "Hi Robert, Jenna from Saguaro. Sounds like a blown low-voltage fuse; I can be there by 4pm today.",
  },
  {
    key: "strike-2",
    title: "Evaporative cooler to AC conversion",
    description: "Wants to remove the swamp cooler and add a packaged AC unit.",
    category: "hvac",
    zip: "85009",
    source: "facebook_leads",
    urgency: "low",
    customer: {
      name: "Angela Watts",
      email: "angela.watts@example.com",
      phone: "+16025550150",
      address: "2901 W Roosevelt St",
    },
    createdAgoMs: 11 * DAY,
    bids: [{ who: "quickfix", m: 1.9, afterMin: 3 }],
    windows: [expired],
  },
  {
    key: "strike-3",
    title: "Heat pump making grinding noise",
    description: "Outdoor unit grinds at start-up, then runs. 12 years old.",
    category: "hvac",
    zip: "85004",
    source: "google_local_services",
    urgency: "high",
    customer: { name: "Gary Holt", email: "gary.holt@example.com", phone: "+16025550151", address: "915 N 1st St" },
    createdAgoMs: 4 * DAY,
    bids: [
      { who: "quickfix", m: 2.0, afterMin: 1 },
      { who: "breeze", m: 1.3, afterMin: 4 },
      { who: "camelback", m: 1.1, afterMin: 7 },
    ],
    windows: [expired, responded(9)],
    winner: "breeze",
    firstMessage:
      "Hi Gary, Carlos from Desert Breeze. Grinding at start-up is usually the fan motor bearing. Free at 2pm today?",
  },
];

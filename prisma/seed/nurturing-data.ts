/**
 * The nurturing script: opportunities with equipment forensics (Phoenix: hard water, 105°F+
 * summers) and sequences in every status with their engagement per step.
 */
import type { SequenceOutcome, SequenceStatus } from "../generated/client.js";
import { DAY, HOUR } from "./kit.js";
import type { SEQUENCE_TEMPLATES } from "./templates.js";

/** One opportunity (seed 000 demo_opportunities) by customer key. */
export type OppSpec = {
  customer: string;
  type: "replacement" | "code_violation" | "maintenance";
  priority: "critical" | "high" | "medium" | "low";
  status: string;
  complexity?: "STANDARD" | "COMPLEX" | "PREMIUM";
  brand: string;
  age: number;
  inputs: Record<string, string | number | boolean>;
  health: number;
  bioAge: number;
  fail: string;
  verdict: "replace" | "maintain" | "monitor";
};

const wh = (extra: Record<string, string | number | boolean>) => ({
  unit_type: "gas_tank_50gal",
  location: "garage",
  water_hardness_gpg: 19,
  ...extra,
});
const ac = (extra: Record<string, string | number | boolean>) => ({
  unit_type: "split_ac",
  refrigerant: "R-410A",
  avg_summer_high_f: 106,
  ...extra,
});

/** Opportunities with their equipment forensics. */
export const OPPORTUNITIES: readonly OppSpec[] = [
  {
    customer: "whitaker",
    type: "replacement",
    priority: "critical",
    status: "nurturing",
    brand: "Rheem",
    age: 12,
    inputs: wh({
      anode_replaced: false,
      sediment_flush_years_ago: 4,
      visible_corrosion: true,
      rust_colored_water: true,
      static_psi: 92,
      prv_present: false,
    }),
    health: 18,
    bioAge: 17.5,
    fail: "0.7800",
    verdict: "replace",
  },
  {
    customer: "delgado",
    type: "code_violation",
    priority: "high",
    status: "nurturing",
    brand: "A. O. Smith",
    age: 9,
    inputs: wh({
      unit_type: "gas_tank_40gal",
      expansion_tank: false,
      tpr_discharge_line: "missing",
      seismic_straps: false,
      static_psi: 95,
    }),
    health: 52,
    bioAge: 11.2,
    fail: "0.3100",
    verdict: "maintain",
  },
  {
    customer: "lopez",
    type: "maintenance",
    priority: "medium",
    status: "nurturing",
    brand: "Trane",
    age: 11,
    inputs: ac({
      tons: 3,
      seer: 14,
      months_since_service: 10,
      coil_condition: "dirty",
      capacitor_uf_rated: 45,
      capacitor_uf_measured: 38,
    }),
    health: 61,
    bioAge: 13.4,
    fail: "0.2200",
    verdict: "monitor",
  },
  {
    customer: "brennan",
    type: "replacement",
    priority: "high",
    status: "converted",
    complexity: "COMPLEX",
    brand: "Goodman",
    age: 16,
    inputs: ac({
      refrigerant: "R-22",
      tons: 4,
      seer: 10,
      compressor_amp_draw_ratio: 1.18,
      refrigerant_leaks_last_2y: 2,
    }),
    health: 12,
    bioAge: 21,
    fail: "0.8600",
    verdict: "replace",
  },
  {
    customer: "hayes",
    type: "maintenance",
    priority: "low",
    status: "lost",
    brand: "Carrier",
    age: 8,
    inputs: ac({ tons: 4, seer: 16, months_since_service: 14, coil_condition: "fair" }),
    health: 74,
    bioAge: 8.5,
    fail: "0.0900",
    verdict: "monitor",
  },
  {
    customer: "morrison",
    type: "replacement",
    priority: "medium",
    status: "stopped",
    brand: "Bradford White",
    age: 11,
    inputs: wh({ anode_replaced: false, sediment_flush_years_ago: 6, visible_corrosion: false, rumbling_noise: true }),
    health: 35,
    bioAge: 14.8,
    fail: "0.4800",
    verdict: "replace",
  },
  {
    customer: "romero",
    type: "code_violation",
    priority: "high",
    status: "converted",
    brand: "Rheem",
    age: 7,
    inputs: wh({ expansion_tank: false, static_psi: 98, prv_present: false, seismic_straps: true }),
    health: 48,
    bioAge: 9.6,
    fail: "0.2700",
    verdict: "maintain",
  },
  {
    customer: "nguyen",
    type: "replacement",
    priority: "high",
    status: "pending",
    brand: "Goodman",
    age: 17,
    inputs: ac({ tons: 3, seer: 13, coil_leak: true, refrigerant_leaks_last_2y: 3 }),
    health: 22,
    bioAge: 19.3,
    fail: "0.7100",
    verdict: "replace",
  },
];

/** One demo sequence: template, timing, status, outcome and engagement per step. */
export interface SequenceSpec {
  customer: string;
  template: keyof typeof SEQUENCE_TEMPLATES;
  opportunity?: boolean;
  startedAgo: number;
  status: SequenceStatus;
  /** When sending stopped: paused_at, or the outcome time for completed/cancelled sequences. */
  stopAgo?: number;
  outcome?: [SequenceOutcome, string, number | null];
  engagement?: Record<number, { openedMin?: number; clickedMin?: number; failed?: string }>;
}

/** Sequences in every status. */
export const SEQUENCES: readonly SequenceSpec[] = [
  {
    customer: "whitaker",
    template: "replacement_urgent",
    opportunity: true,
    startedAgo: 2 * DAY,
    status: "active",
    engagement: { 1: { clickedMin: 35 }, 2: { openedMin: 90 } },
  },
  {
    customer: "delgado",
    template: "code_violation",
    opportunity: true,
    startedAgo: 5 * DAY,
    status: "active",
    engagement: { 1: { clickedMin: 40 }, 2: { openedMin: 150, clickedMin: 180 } },
  },
  {
    customer: "lopez",
    template: "maintenance",
    opportunity: true,
    startedAgo: 4 * DAY,
    status: "paused",
    stopAgo: 2 * DAY,
    engagement: { 1: { openedMin: 300 } },
  },
  {
    customer: "brennan",
    template: "replacement_urgent",
    opportunity: true,
    startedAgo: 16 * DAY,
    status: "completed",
    stopAgo: 9 * DAY,
    outcome: ["converted", "Booked the full system replacement", 9000],
    engagement: { 2: { openedMin: 60, clickedMin: 70 } },
  },
  {
    customer: "romero",
    template: "code_violation",
    opportunity: true,
    startedAgo: 15 * DAY,
    status: "completed",
    stopAgo: 12 * DAY,
    outcome: ["converted", "Approved expansion tank and new heater", 4500],
    engagement: { 2: { openedMin: 30, clickedMin: 45 } },
  },
  {
    customer: "hayes",
    template: "maintenance",
    opportunity: true,
    startedAgo: 25 * DAY,
    status: "completed",
    stopAgo: 15 * DAY - HOUR,
    outcome: ["lost", "Went with a cheaper bid", null],
    engagement: { 2: { failed: "Twilio 30006: landline or unreachable carrier" } },
  },
  {
    customer: "morrison",
    template: "replacement_urgent",
    opportunity: true,
    startedAgo: 12 * DAY,
    status: "cancelled",
    stopAgo: 10 * DAY,
    outcome: ["stopped", "Customer replied STOP", null],
  },
  {
    customer: "miles",
    template: "video_sent_follow_up",
    startedAgo: 26 * HOUR,
    status: "active",
    engagement: { 1: { openedMin: 55 } },
  },
  { customer: "webb", template: "no_show_rebook", startedAgo: 5 * HOUR, status: "active" },
];

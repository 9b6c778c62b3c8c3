/**
 * Seed 004 service data for Desert Breeze: technicians, jobs (one closed as "Equipment End of
 * Life", which started the tech-upsell deal), payments, expenses, appliances, reviews,
 * technician ratings, service follow-ups and preferred technicians; plus a segment and a
 * draft blast campaign over aging equipment.
 */
import type { FollowUpStatus, JobStatus, PaymentMethod, Prisma } from "../generated/client.js";
import { customerId } from "./customers.js";
import { at, count, DAY, demoId, HOUR, type SeedContext, shift, yearsAgo } from "./kit.js";
import { userId } from "./people.js";
import type { TemplateIds } from "./templates.js";

const OWNER = "breeze" as const;
const techId = (key: string) => demoId(`technician:${key}`);
const jobId = (key: string) => demoId(`job:${key}`);

type JobSpec = [
  key: string,
  customer: string,
  tech: string,
  title: string,
  status: JobStatus,
  ago: number,
  resolution: string | null,
  total: string | null,
];

const JOBS: readonly JobSpec[] = [
  [
    "j1",
    "whitaker",
    "luis",
    "Water heater inspection: rusty water and rumbling",
    "completed",
    20 * DAY,
    "Equipment End of Life",
    "189.00",
  ],
  ["j2", "acosta", "kim", "Pre-summer AC tune-up", "completed", 45 * DAY, "Serviced - no issues", "129.00"],
  ["j3", "brennan", "luis", "Full system install: 4-ton heat pump", "completed", 4 * DAY, "Installed", "9000.00"],
  ["j4", "lopez", "kim", "Annual AC maintenance", "scheduled", -3 * DAY, null, null],
  ["j5", "lopez", "kim", "AC tune-up", "completed", 300 * DAY, "Serviced - coil dirty, cleaning recommended", "119.00"],
];

type PaymentSpec = [job: string, customer: string, amount: string, method: PaymentMethod, ago: number, notes?: string];

const PAYMENTS: readonly PaymentSpec[] = [
  ["j1", "whitaker", "189.00", "card", 20 * DAY],
  ["j2", "acosta", "129.00", "cash", 45 * DAY],
  ["j3", "brennan", "2700.00", "transfer", 9 * DAY, "30% deposit"],
  ["j3", "brennan", "6300.00", "card", 4 * DAY, "Balance on completion"],
  ["j5", "lopez", "119.00", "check", 300 * DAY],
];

type ExpenseSpec = [
  job: string | null,
  customer: string,
  amount: string,
  category: string,
  description: string,
  ago: number,
];

const EXPENSES: readonly ExpenseSpec[] = [
  ["j3", "brennan", "4200.00", "equipment", "Goodman 4-ton heat pump + air handler", 6 * DAY],
  ["j3", "brennan", "145.00", "permit", "City of Phoenix mechanical permit", 7 * DAY],
  ["j2", "acosta", "18.50", "materials", "Filters and coil cleaner", 45 * DAY],
  [null, "acosta", "25.00", "marketing", "Referral thank-you gift card", 190 * DAY],
];

type FollowUpSpec = [
  job: string,
  customer: string,
  status: FollowUpStatus,
  offset: number,
  channel: "email" | "sms" | "whatsapp",
  rating?: number,
  feedback?: string,
];

const FOLLOW_UPS: readonly FollowUpSpec[] = [
  ["j2", "acosta", "COMPLETED", -43 * DAY, "whatsapp", 5, "Great service, Kim was lovely."],
  ["j1", "whitaker", "NO_RESPONSE", -19 * DAY, "email"],
  ["j5", "lopez", "COMPLETED", -298 * DAY, "sms", 4, "Good, but arrived late."],
  ["j3", "brennan", "SCHEDULED", 1 * DAY, "sms"],
];

const RATINGS: ReadonlyArray<[customer: string, tech: string, job: string, rating: number, ago: number]> = [
  ["acosta", "kim", "j2", 5, 43 * DAY],
  ["whitaker", "luis", "j1", 4, 19 * DAY],
  ["brennan", "luis", "j3", 5, 3 * DAY],
  ["lopez", "kim", "j5", 4, 298 * DAY],
];

/** Insert the service data, segment and draft campaign. */
export async function seedService(ctx: SeedContext, templates: TemplateIds): Promise<void> {
  const { tx } = ctx;
  const owner_id = userId(OWNER);
  const techs = await tx.technician.createMany({
    data: [
      {
        id: techId("luis"),
        owner_id,
        name: "Luis Ortega",
        phone: "+16025550131",
        email: "luis@desertbreeze.example",
        skills: ["hvac", "water-heaters"],
        rating: "4.80",
        created_at: at(ctx, -700 * DAY),
      },
      {
        id: techId("kim"),
        owner_id,
        name: "Kim Chen",
        phone: "+16025550132",
        email: "kim@desertbreeze.example",
        skills: ["hvac", "electrical"],
        rating: "4.50",
        created_at: at(ctx, -400 * DAY),
      },
    ],
  });
  count(ctx, "technicians", techs.count);
  await tx.customer.update({
    where: { id: customerId("acosta") },
    data: { preferred_technician_id: techId("kim"), updated_at: at(ctx, -3 * DAY) },
  });
  await tx.customer.update({
    where: { id: customerId("whitaker") },
    data: { preferred_technician_id: techId("luis"), updated_at: at(ctx, -4 * DAY) },
  });

  const jobs: Prisma.JobCreateManyInput[] = JOBS.map(([key, customer, tech, title, status, ago, resolution, total]) => {
    const when = at(ctx, -ago);
    const done = status === "completed";
    return {
      id: jobId(key),
      owner_id,
      customer_id: customerId(customer),
      technician_id: techId(tech),
      title,
      status,
      resolution,
      scheduled_at: done ? shift(when, -3 * HOUR) : when,
      completion_date: done ? when : null,
      total_usd: total,
      survey_sent_at: done && ago > DAY ? shift(when, DAY) : null,
      created_at: shift(when, -7 * DAY),
      updated_at: done ? when : shift(when, -7 * DAY),
    };
  });
  count(ctx, "jobs", (await tx.job.createMany({ data: jobs })).count);

  const payments = await tx.payment.createMany({
    data: PAYMENTS.map(([job, customer, amount, method, ago, notes], i) => ({
      id: demoId(`payment:${i + 1}`),
      owner_id,
      customer_id: customerId(customer),
      job_id: jobId(job),
      amount,
      payment_method: method,
      paid_at: at(ctx, -ago),
      notes,
      created_at: at(ctx, -ago),
    })),
  });
  count(ctx, "payments", payments.count);
  const expenses = await tx.expense.createMany({
    data: EXPENSES.map(([job, customer, amount, category, description, ago], i) => ({
      id: demoId(`expense:${i + 1}`),
      owner_id,
      customer_id: customerId(customer),
      job_id: job ? jobId(job) : null,
      amount,
      category,
      description,
      incurred_at: at(ctx, -ago),
      created_at: at(ctx, -ago),
    })),
  });
  count(ctx, "expenses", expenses.count);

  const appliances: Prisma.ApplianceCreateManyInput[] = [
    {
      customer_id: customerId("whitaker"),
      type: "water_heater",
      brand: "Rheem",
      model_number: "XG50T06EC36U1",
      serial_number: "Q1213A04567",
      install_date: yearsAgo(ctx, 12, 40),
      last_service_date: at(ctx, -20 * DAY),
      job_id: jobId("j1"),
      maintenance_note: "End of life: tank corroded, replacement recommended.",
    },
    {
      customer_id: customerId("acosta"),
      type: "air_conditioner",
      brand: "Carrier",
      model_number: "24ACC636A003",
      serial_number: "2711E09876",
      install_date: yearsAgo(ctx, 14, 100),
      last_service_date: at(ctx, -45 * DAY),
      job_id: jobId("j2"),
      maintenance_due_at: at(ctx, 320 * DAY),
    },
    {
      customer_id: customerId("acosta"),
      type: "water_heater",
      brand: "A. O. Smith",
      model_number: "GCR-50",
      serial_number: "1211M000123",
      install_date: yearsAgo(ctx, 13, 10),
      last_service_date: at(ctx, -400 * DAY),
      maintenance_due_at: at(ctx, -35 * DAY),
      maintenance_note: "Flush overdue; Phoenix hard water.",
    },
    {
      customer_id: customerId("lopez"),
      type: "air_conditioner",
      brand: "Trane",
      model_number: "4TTR4036",
      serial_number: "14231XYZ9A",
      install_date: yearsAgo(ctx, 11, 60),
      last_service_date: at(ctx, -300 * DAY),
      job_id: jobId("j5"),
      maintenance_due_at: at(ctx, 3 * DAY),
      maintenance_note: "Coil dirty; capacitor low (38 of 45 µF).",
    },
    {
      customer_id: customerId("hayes"),
      type: "air_conditioner",
      brand: "Carrier",
      model_number: "24ABC648A003",
      install_date: yearsAgo(ctx, 8, 20),
      last_service_date: at(ctx, -420 * DAY),
    },
  ].map((a, i) => ({
    ...a,
    id: demoId(`appliance:${i + 1}`),
    created_at: at(ctx, -60 * DAY),
    updated_at: a.last_service_date,
  }));
  count(ctx, "appliances", (await tx.appliance.createMany({ data: appliances })).count);

  const reviews = await tx.review.createMany({
    data: [
      {
        id: demoId("review:1"),
        job_id: jobId("j2"),
        customer_id: customerId("acosta"),
        technician_id: techId("kim"),
        rating: 5,
        comment: "Kim was on time and explained everything.",
        created_at: at(ctx, -43 * DAY),
      },
      {
        id: demoId("review:2"),
        job_id: jobId("j1"),
        customer_id: customerId("whitaker"),
        technician_id: techId("luis"),
        rating: 4,
        comment: "Honest assessment, no hard sell.",
        created_at: at(ctx, -19 * DAY),
      },
      {
        id: demoId("review:3"),
        job_id: jobId("j3"),
        customer_id: customerId("brennan"),
        technician_id: techId("luis"),
        rating: 5,
        comment: "Install crew left the place spotless.",
        created_at: at(ctx, -3 * DAY),
      },
    ],
  });
  count(ctx, "reviews", reviews.count);
  const ratings = await tx.customerTechnicianRating.createMany({
    data: RATINGS.map(([customer, tech, job, rating, ago], i) => ({
      id: demoId(`tech-rating:${i + 1}`),
      customer_id: customerId(customer),
      technician_id: techId(tech),
      job_id: jobId(job),
      rating,
      created_at: at(ctx, -ago),
    })),
  });
  count(ctx, "customer_technician_ratings", ratings.count);
  const followUps = await tx.serviceFollowUp.createMany({
    data: FOLLOW_UPS.map(([job, customer, status, offset, channel, rating, feedback], i) => ({
      id: demoId(`follow-up:${i + 1}`),
      job_id: jobId(job),
      customer_id: customerId(customer),
      status,
      satisfaction_rating: rating,
      feedback,
      follow_up_date: at(ctx, offset),
      channel,
      message: "How did we do? Reply 1-5 (5 = excellent) and tell us anything we could do better.",
      created_at: at(ctx, Math.min(offset, 0) - DAY),
    })),
  });
  count(ctx, "service_follow_ups", followUps.count);

  const segmentId = demoId("segment:aging-equipment");
  await tx.segment.create({
    data: {
      id: segmentId,
      owner_id,
      name: "Aging equipment, no service in 6 months",
      filter: {
        all: [
          { field: "equipment_age", op: ">", value: 10 },
          { field: "last_service_date", op: "<", value: "-6 months" },
        ],
      },
      created_at: at(ctx, -2 * DAY),
      updated_at: at(ctx, -2 * DAY),
    },
  });
  count(ctx, "segments", 1);
  await tx.campaign.create({
    data: {
      id: demoId("campaign:pre-summer-tuneup"),
      owner_id,
      segment_id: segmentId,
      message_template_id: templates.messages.get("blast_tuneup/en") ?? null,
      name: "Pre-summer AC tune-up: aging systems",
      channel: "email",
      subject: "Beat the heat: AC tune-up special",
      body: "Hi {{first_name}},\n\nYour system is over 10 years old and hasn't been serviced in a while. Book a pre-summer tune-up for $89: {{link}}\n\nReply STOP to opt out.",
      status: "draft",
      created_at: at(ctx, -1 * DAY),
    },
  });
  count(ctx, "campaigns", 1);
}

/**
 * Seed 004's service AI features: predictive-maintenance narrative, technician matching and the
 * post-service survey. The numbers (health score, failure probability, ranking scores) come from
 * rules; the model only puts them into words. Nothing here writes business state.
 */
import { z } from "zod";
import type { ApiScope } from "../accounts/api-key.service.js";
import { ownedBy } from "../accounts/visibility.js";
import type { CoreDeps } from "../context.js";
import { notFound } from "../crm/owned.js";
import { ok, type Result } from "../errors.js";
import { isUuid } from "../ids.js";
import { firstNameOf } from "../messaging/templates.js";
import { surveyMessage } from "../service/survey.js";
import { validate } from "../validation.js";
import { AI_TTL_MS } from "./customer-ai.service.js";
import { isoDay } from "./customer-facts.js";
import { askLlm, type Engine } from "./llm-gateway.js";
import { maintenanceSchema, surveySchema, technicianMatchSchema } from "./schemas.js";

type Answer<T> = Result<T & { engine: Engine }>;

/**
 * A maintenance narrative over the appliance's forensics numbers (never new numbers). Rules: a
 * sentence from the verdict and the numbers; not yet scored → says so.
 */
export async function predictMaintenance(deps: CoreDeps, scope: ApiScope, id: string) {
  if (!isUuid(id)) return notFound("appliance");
  const a = await deps.prisma.appliance.findFirst({
    where: { id, customer: ownedBy(scope) },
    include: { customer: { select: { owner_id: true, phone: true, email: true, property_address: true } } },
  });
  if (!a) return notFound("appliance");
  const failPercent = a.fail_probability === null ? null : Math.round(Number(a.fail_probability) * 1000) / 10;
  const numbers = {
    health_score: a.health_score,
    fail_probability_percent: failPercent,
    bio_age_years: a.bio_age_years === null ? null : Number(a.bio_age_years),
    verdict: a.verdict,
    maintenance_due_at: a.maintenance_due_at?.toISOString() ?? null,
    health_computed_at: a.health_computed_at?.toISOString() ?? null,
  };
  const what = [a.type, a.brand, a.model_number].filter(Boolean).join(" ");
  const llm = await askLlm(deps, {
    feature: "predict_maintenance",
    schema: maintenanceSchema,
    vars: {
      type: a.type,
      brand: a.brand,
      model_number: a.model_number,
      location: a.location,
      install_date: isoDay(a.install_date),
      last_service_date: isoDay(a.last_service_date),
      health_score: numbers.health_score ?? "not scored yet",
      fail_probability_percent: failPercent ?? "unknown",
      bio_age_years: numbers.bio_age_years ?? "unknown",
      verdict: a.verdict ?? "not scored yet",
      maintenance_due_at: isoDay(a.maintenance_due_at),
      conditions: a.forensic_inputs ? JSON.stringify(a.forensic_inputs).slice(0, 500) : "none recorded",
    },
    known: [a.customer.phone, a.customer.email, a.customer.property_address],
    ownerId: a.customer.owner_id,
    ttlMs: AI_TTL_MS.predict_maintenance,
  });
  if (llm) return ok({ engine: "llm" as Engine, appliance_id: a.id, forensics: numbers, ...llm.value });
  const narrative =
    a.health_score === null
      ? `The ${what} has not been scored yet; its health is computed daily from its age and service history.`
      : `The ${what} scores ${a.health_score}/100 with a ${failPercent}% chance of failing in the next 12 months (verdict: ${a.verdict}).`;
  const action = {
    replace: "Offer a replacement quote",
    maintain: "Book a maintenance visit",
    monitor: "Check again at the next visit",
  };
  return ok({
    engine: "rules" as Engine,
    appliance_id: a.id,
    forensics: numbers,
    narrative,
    recommended_action: a.verdict ? (action[a.verdict as keyof typeof action] ?? null) : null,
  });
}

export const matchTechnicianSchema = z
  .object({
    job_id: z.uuid().optional(),
    customer_id: z.uuid().optional(),
    title: z.string().trim().max(255).optional(),
    skills: z.array(z.string().trim().min(1).max(50)).max(20).optional(),
  })
  .refine((b) => b.job_id || b.customer_id, { message: "job_id or customer_id is required", path: ["job_id"] });

/**
 * Ranked technicians with reasons. Rule: score = 10 × rating + 15 per matching skill + 25 if the
 * customer prefers them + 5 × the customer's average rating of them − 5 per open job (load);
 * ties by name. The model only words the reasons; the order is the rules'.
 */
export async function matchTechnician(
  deps: CoreDeps,
  scope: ApiScope,
  input: unknown,
): Promise<Answer<{ ranking: unknown[] }>> {
  const parsed = validate(matchTechnicianSchema, input);
  if (!parsed.ok) return parsed;
  const body = parsed.value;
  const job = body.job_id ? await deps.prisma.job.findFirst({ where: { id: body.job_id, ...ownedBy(scope) } }) : null;
  if (body.job_id && !job) return notFound("job");
  const customerId = job?.customer_id ?? body.customer_id ?? "";
  const customer = await deps.prisma.customer.findFirst({ where: { id: customerId, ...ownedBy(scope) } });
  if (!customer) return notFound("customer");
  const [techs, ratings, loads] = await Promise.all([
    deps.prisma.technician.findMany({ where: { owner_id: customer.owner_id, is_active: true }, take: 50 }),
    deps.prisma.customerTechnicianRating.groupBy({
      by: ["technician_id"],
      where: { customer_id: customer.id },
      _avg: { rating: true },
    }),
    deps.prisma.job.groupBy({
      by: ["technician_id"],
      where: {
        owner_id: customer.owner_id,
        status: { in: ["scheduled", "in_progress"] },
        technician_id: { not: null },
      },
      _count: { _all: true },
    }),
  ]);
  const skills = (body.skills ?? []).map((s) => s.toLowerCase());
  const title = (body.title ?? job?.title ?? "").toLowerCase();
  const ranking = techs
    .map((t) => {
      const matched = t.skills.filter(
        (s) => skills.includes(s.toLowerCase()) || (title !== "" && title.includes(s.toLowerCase())),
      );
      const avg = ratings.find((r) => r.technician_id === t.id)?._avg.rating ?? null;
      const open = loads.find((l) => l.technician_id === t.id)?._count._all ?? 0;
      const preferred = customer.preferred_technician_id === t.id;
      const score = Math.round(
        Number(t.rating) * 10 + matched.length * 15 + (preferred ? 25 : 0) + (avg ?? 0) * 5 - open * 5,
      );
      const facts = {
        rating: Number(t.rating),
        matched_skills: matched,
        preferred,
        customer_rating: avg === null ? null : Math.round(avg * 10) / 10,
        open_jobs: open,
      };
      return { technician_id: t.id, name: t.name, score, facts };
    })
    .sort((a, b) => b.score - a.score || a.name.localeCompare(b.name));
  const ruleReason = (r: (typeof ranking)[number]) =>
    [
      `rating ${r.facts.rating.toFixed(1)}`,
      r.facts.matched_skills.length ? `skills: ${r.facts.matched_skills.join(", ")}` : "no matching skill listed",
      r.facts.preferred ? "the customer's preferred technician" : null,
      r.facts.customer_rating !== null ? `rated ${r.facts.customer_rating}/5 by this customer` : null,
      `${r.facts.open_jobs} open job(s)`,
    ]
      .filter(Boolean)
      .join("; ");
  const llm =
    ranking.length === 0
      ? null
      : await askLlm(deps, {
          feature: "match_technician",
          schema: technicianMatchSchema,
          vars: {
            job_title: body.title ?? job?.title ?? "—",
            skills: skills.join(", ") || "—",
            preferred_technician: ranking.find((r) => r.facts.preferred)?.name ?? "none",
            technicians: ranking.map((r, i) => `${i + 1}. ${r.technician_id} ${r.name}: ${ruleReason(r)}`).join("\n"),
          },
          ownerId: customer.owner_id,
          ttlMs: AI_TTL_MS.match_technician,
        });
  const said = new Map(llm?.value.reasons.map((r) => [r.technician_id, r.reason]) ?? []);
  return ok({
    engine: (llm ? "llm" : "rules") as Engine,
    ranking: ranking.map((r, i) => ({ rank: i + 1, ...r, reason: said.get(r.technician_id) ?? ruleReason(r) })),
  });
}

/** The post-service survey question for a job. Rules: the survey template in the customer's language. */
export async function generateSurvey(deps: CoreDeps, scope: ApiScope, id: string) {
  if (!isUuid(id)) return notFound("job");
  const job = await deps.prisma.job.findFirst({
    where: { id, ...ownedBy(scope) },
    include: {
      customer: { select: { name: true, language_preference: true, phone: true, email: true, property_address: true } },
      technician: { select: { name: true } },
      owner: { select: { name: true, company_name: true } },
    },
  });
  if (!job) return notFound("job");
  const language = job.customer.language_preference;
  const company = job.owner.company_name || job.owner.name;
  const llm = await askLlm(deps, {
    feature: "generate_survey",
    schema: surveySchema,
    vars: {
      language,
      first_name: firstNameOf(job.customer.name) ?? job.customer.name,
      job_title: job.title,
      technician_name: job.technician?.name ?? "our team",
      completion_date: isoDay(job.completion_date),
      company_name: company,
    },
    known: [job.customer.phone, job.customer.email, job.customer.property_address],
    ownerId: job.owner_id,
    ttlMs: AI_TTL_MS.generate_survey,
  });
  const template = surveyMessage({
    language,
    customerName: job.customer.name,
    companyName: company,
    technicianName: job.technician?.name ?? null,
    jobTitle: job.title,
  });
  if (llm)
    return ok({
      engine: "llm" as Engine,
      job_id: job.id,
      language,
      subject: template.subject,
      message: llm.value.message,
    });
  return ok({ engine: "rules" as Engine, job_id: job.id, language, subject: template.subject, message: template.body });
}

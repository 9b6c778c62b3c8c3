/**
 * The people of the demo world: an admin, a sales manager with a team, six Phoenix-area
 * contractors (one bidding-banned) and a Frazer-method marketer. Ratings drive the lead
 * discount through `discountForRating`, exactly as the marketplace does.
 */
import { discountForRating } from "../../core/marketplace/pricing.js";
import type { Prisma } from "../generated/client.js";
import { at, count, DAY, demoId, HOUR, type SeedContext, yearsAgo } from "./kit.js";
import { categoryId, type ReferenceData } from "./reference.js";

export type ContractorKey = "breeze" | "saguaro" | "camelback" | "sonoran" | "copper" | "quickfix";
export type PersonKey = ContractorKey | "admin" | "manager" | "marketer";

/** One demo contractor as the other seed parts see it. */
export interface ContractorSpec {
  key: ContractorKey;
  name: string;
  email: string;
  phone: string;
  company: string;
  rating: number;
  categories: readonly string[];
  zips: readonly string[];
  tier: "starter" | "pro" | "enterprise";
  onManagersTeam: boolean;
}

const zipRange = (from: number, to: number): string[] =>
  Array.from({ length: to - from + 1 }, (_, i) => String(from + i));

/** The six contractors. A lead in 85004/hvac matches breeze, saguaro, camelback and sonoran (quickfix is banned). */
export const CONTRACTORS: readonly ContractorSpec[] = [
  {
    key: "breeze",
    name: "Carlos Mendoza",
    email: "carlos@desertbreeze.example",
    phone: "+16025550101",
    company: "Desert Breeze Heating & Cooling",
    rating: 4.9,
    categories: ["hvac", "water-heaters"],
    zips: [...zipRange(85003, 85008), ...zipRange(85012, 85016)],
    tier: "enterprise",
    onManagersTeam: true,
  },
  {
    key: "saguaro",
    name: "Jenna Okafor",
    email: "jenna@saguaroplumbing.example",
    phone: "+16025550102",
    company: "Saguaro Plumbing & Water Heaters",
    rating: 4.6,
    categories: ["plumbing", "water-heaters", "hvac"],
    zips: [...zipRange(85004, 85009), "85013", "85015", "85017"],
    tier: "pro",
    onManagersTeam: true,
  },
  {
    key: "camelback",
    name: "Raymond Castillo",
    email: "ray@camelbackcomfort.example",
    phone: "+16025550103",
    company: "Camelback Comfort Air",
    rating: 4.3,
    categories: ["hvac", "electrical"],
    zips: [...zipRange(85001, 85006), "85016", "85018", "85020"],
    tier: "pro",
    onManagersTeam: true,
  },
  {
    key: "sonoran",
    name: "Tyler Brooks",
    email: "tyler@sonoranhome.example",
    phone: "+16025550104",
    company: "Sonoran Home Services",
    rating: 4.0,
    categories: ["hvac", "plumbing", "general-contracting"],
    zips: ["85004", "85006", "85008", "85010", "85012", "85014", ...zipRange(85021, 85024)],
    tier: "starter",
    onManagersTeam: false,
  },
  {
    key: "copper",
    name: "Priya Natarajan",
    email: "priya@copperstateelectric.example",
    phone: "+16025550105",
    company: "Copper State Electric",
    rating: 3.8,
    categories: ["electrical", "general-contracting", "carpentry"],
    zips: [...zipRange(85001, 85004), ...zipRange(85020, 85028)],
    tier: "starter",
    onManagersTeam: false,
  },
  {
    key: "quickfix",
    name: "Dale Hutchins",
    email: "dale@valleyquickfix.example",
    phone: "+16025550106",
    company: "Valley Quick Fix Roofing & Air",
    rating: 3.6,
    categories: ["hvac", "roofing"],
    zips: ["85004", "85007", "85009", ...zipRange(85031, 85035)],
    tier: "starter",
    onManagersTeam: false,
  },
];

export const ADMIN_EMAIL = "admin@leadrelay.local";
export const MANAGER = { name: "Marcus Reyes", email: "manager@leadrelay.local", phone: "+16025550110" };
export const MARKETER = {
  name: "Mette Hansen",
  email: "mette@risewithmette.example",
  phone: "+16025550120",
  company: "Rise with Mette (team leader)",
};

/** The contractor spec for a key (throws on a typo, so the seed fails loudly). */
export function contractor(key: ContractorKey): ContractorSpec {
  const c = CONTRACTORS.find((x) => x.key === key);
  if (!c) throw new Error(`unknown demo contractor ${key}`);
  return c;
}

/** How a demo person signs messages: the company for a contractor, the first name otherwise. */
export function senderName(key: PersonKey): string {
  const c = CONTRACTORS.find((x) => x.key === key);
  if (c) return c.company;
  return (key === "marketer" ? MARKETER.name : MANAGER.name).split(" ")[0] ?? "LeadRelay";
}

/** The stable id of a demo person (the admin's may differ when it already existed; see seedPeople). */
export function userId(key: PersonKey): string {
  return demoId(`user:${key}`);
}

/** Insert the people; returns the admin's id (an existing admin with the same e-mail is kept). */
export async function seedPeople(ctx: SeedContext, ref: ReferenceData): Promise<{ adminId: string }> {
  const { tx } = ctx;
  const admin = await tx.user.upsert({
    where: { email: ADMIN_EMAIL },
    update: {},
    create: {
      id: userId("admin"),
      email: ADMIN_EMAIL,
      name: "LeadRelay Admin",
      role: "admin",
      password_hash: null,
      created_at: at(ctx, -90 * DAY),
      updated_at: ctx.now,
    },
  });
  const managerId = userId("manager");
  const rows: Prisma.UserCreateManyInput[] = [
    {
      id: managerId,
      email: MANAGER.email,
      name: MANAGER.name,
      phone: MANAGER.phone,
      company_name: "LeadRelay Phoenix",
      role: "sales_manager",
      last_login_at: at(ctx, -3 * HOUR),
      created_at: at(ctx, -80 * DAY),
    },
  ];
  for (const c of CONTRACTORS) {
    const banned = c.key === "quickfix";
    rows.push({
      id: userId(c.key),
      email: c.email,
      name: c.name,
      phone: c.phone,
      company_name: c.company,
      role: "contractor",
      is_contractor: true,
      manager_id: c.onManagersTeam ? managerId : null,
      service_area_zip_codes: [...c.zips],
      contractor_categories: c.categories.map((slug) => categoryId(ref, slug)),
      profile_rating: c.rating.toFixed(2),
      lead_discount_multiplier: discountForRating(c.rating, ref.discountTable).toFixed(2),
      subscription_tier: c.tier,
      subscription_renewal_date: yearsAgo(ctx, 0, -(20 + c.rating * 10)),
      last_login_at: at(ctx, banned ? -2 * DAY : -(c.rating * 2) * HOUR),
      created_at: at(ctx, -(60 + Math.round(c.rating * 5)) * DAY),
    });
  }
  rows.push({
    id: userId("marketer"),
    email: MARKETER.email,
    name: MARKETER.name,
    phone: MARKETER.phone,
    company_name: MARKETER.company,
    role: "marketer",
    dmo_invites_goal: 10,
    dmo_follow_ups_goal: 8,
    last_login_at: at(ctx, -1 * HOUR),
    created_at: at(ctx, -45 * DAY),
  });
  const users = await tx.user.createMany({ data: rows.map((r) => ({ ...r, updated_at: ctx.now })) });
  count(ctx, "users", users.count + (admin.id === userId("admin") ? 1 : 0));
  // The manager's team (issue 15): signed in, Marcus sees only these contractors' rows.
  const team = await tx.team.upsert({
    where: { name: "Phoenix team" },
    update: {},
    create: { name: "Phoenix team", manager_id: managerId, created_at: at(ctx, -80 * DAY) },
  });
  await tx.user.updateMany({ where: { manager_id: managerId }, data: { team_id: team.id } });
  return { adminId: admin.id };
}

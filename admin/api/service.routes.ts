import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import type { CoreDeps } from "../../core/context.js";
import { requireApiKey } from "./auth.js";
import { equipmentRoutes } from "./service/equipment.routes.js";
import { moneyRoutes } from "./service/money.routes.js";
import { recordRoutes } from "./service/records.routes.js";

/**
 * The service-records API (seed 004), register under `/api`: technicians, jobs, payments,
 * expenses, financials, appliances, reviews, technician ratings and preference, referrals and
 * service follow-ups. Every route needs an API key; a contractor key sees and touches only its
 * own rows (others' are 404); an admin key sees all and names the owner (`owner_id`) on create.
 */
export function serviceRoutes(deps: CoreDeps): FastifyPluginAsyncZod {
  return async (app) => {
    app.addHook("onRequest", requireApiKey(deps));
    await app.register(recordRoutes(deps));
    await app.register(moneyRoutes(deps));
    await app.register(equipmentRoutes(deps));
  };
}

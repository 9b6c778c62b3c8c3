import type { Customer, Lead, Prisma } from "../../prisma/generated/client.js";

/**
 * Make the contacted lead's customer a customer record owned by the winning contractor
 * (status `lead`, source = the lead's source), with their phone and e-mail as channel
 * identities so replies find their way back. Reuses the owner's existing record of the same
 * person. Never links an identity that already belongs to someone else.
 */
export async function customerFromLead(
  tx: Prisma.TransactionClient,
  lead: Lead,
  ownerId: string,
  now: Date,
): Promise<Customer> {
  const same = await tx.customer.findFirst({
    where: {
      owner_id: ownerId,
      OR: [
        ...(lead.customer_phone ? [{ phone: lead.customer_phone }] : []),
        ...(lead.customer_email ? [{ email: lead.customer_email }] : []),
      ],
    },
  });
  const customer =
    same ??
    (await tx.customer.create({
      data: {
        owner_id: ownerId,
        name: lead.customer_name,
        email: lead.customer_email,
        phone: lead.customer_phone,
        status: "lead",
        lead_source: lead.lead_source,
        property_zip: lead.customer_zip_code,
        language_preference: lead.customer_language,
        preferred_contact_method: lead.customer_phone ? "sms" : "email",
        last_contacted_at: now,
        last_activity_at: now,
        stage_entered_at: now,
        created_at: now,
        updated_at: now,
      },
    }));
  const identities: Prisma.ChannelIdentityCreateManyInput[] = [];
  if (lead.customer_phone) identities.push({ channel: "sms", address: lead.customer_phone, customer_id: customer.id });
  if (lead.customer_email)
    identities.push({ channel: "email", address: lead.customer_email, customer_id: customer.id });
  if (identities.length > 0) await tx.channelIdentity.createMany({ data: identities, skipDuplicates: true });
  return customer;
}

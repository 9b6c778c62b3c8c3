-- CreateEnum
CREATE TYPE "UserRole" AS ENUM ('admin', 'sales_manager', 'read_only', 'contractor', 'marketer');

-- CreateEnum
CREATE TYPE "AccountStatus" AS ENUM ('pending', 'active', 'disabled');

-- CreateEnum
CREATE TYPE "SubscriptionTier" AS ENUM ('starter', 'pro', 'enterprise');

-- CreateEnum
CREATE TYPE "ChannelKind" AS ENUM ('telegram', 'whatsapp', 'email', 'sms', 'sandbox');

-- CreateEnum
CREATE TYPE "ApiKeyScope" AS ENUM ('admin', 'contractor');

-- CreateEnum
CREATE TYPE "UrgencyLevel" AS ENUM ('low', 'medium', 'high', 'urgent');

-- CreateEnum
CREATE TYPE "LeadStatus" AS ENUM ('CREATED', 'ACTIVE', 'BIDDING_CLOSED', 'PENDING_RESPONSE_1', 'PENDING_RESPONSE_2', 'PENDING_RESPONSE_3', 'CONTACTED', 'EXPIRED', 'ARCHIVED');

-- CreateEnum
CREATE TYPE "BidStatus" AS ENUM ('ACTIVE', 'WON', 'LOST', 'EXPIRED');

-- CreateEnum
CREATE TYPE "MessageDirection" AS ENUM ('outbound', 'inbound');

-- CreateEnum
CREATE TYPE "AppealStatus" AS ENUM ('PENDING', 'APPROVED', 'REJECTED');

-- CreateEnum
CREATE TYPE "ConversionType" AS ENUM ('contacted', 'booked', 'paid');

-- CreateEnum
CREATE TYPE "CustomerStatus" AS ENUM ('lead', 'active', 'churned');

-- CreateEnum
CREATE TYPE "CanonicalStatus" AS ENUM ('lead', 'relationship', 'invited', 'qualified', 'presentation_sent', 'follow_up', 'signed_up');

-- CreateEnum
CREATE TYPE "ContactMethod" AS ENUM ('whatsapp', 'email', 'phone', 'sms', 'telegram');

-- CreateEnum
CREATE TYPE "ContactFrequency" AS ENUM ('minimal', 'moderate', 'frequent');

-- CreateEnum
CREATE TYPE "DealStatus" AS ENUM ('open', 'won', 'lost');

-- CreateEnum
CREATE TYPE "InteractionType" AS ENUM ('call', 'email', 'sms', 'meeting', 'note', 'reminder');

-- CreateEnum
CREATE TYPE "ReminderType" AS ENUM ('follow_up_2h', 'follow_up_1d', 'follow_up_24h', 'follow_up_48h', 'follow_up_7d', 'custom');

-- CreateEnum
CREATE TYPE "EventName" AS ENUM ('DM_STARTED', 'INVITE_SENT', 'VIDEO_SENT', 'LEAD_QUALIFIED', 'PRESENTATION_SENT', 'MEETING_BOOKED', 'MEETING_HELD', 'NO_SHOW', 'FOLLOW_UP', 'PURCHASED', 'JOINED_TEAM', 'UNSUBSCRIBED', 'STATUS_CHANGED');

-- CreateEnum
CREATE TYPE "SequenceStatus" AS ENUM ('active', 'paused', 'completed', 'cancelled');

-- CreateEnum
CREATE TYPE "SequenceOutcome" AS ENUM ('converted', 'lost', 'stopped');

-- CreateEnum
CREATE TYPE "SequenceAction" AS ENUM ('sms', 'email', 'whatsapp', 'telegram', 'call_reminder');

-- CreateEnum
CREATE TYPE "SequenceEventStatus" AS ENUM ('pending', 'sent', 'failed', 'skipped');

-- CreateEnum
CREATE TYPE "DeliveryStatus" AS ENUM ('pending', 'sent', 'delivered', 'failed');

-- CreateEnum
CREATE TYPE "JobStatus" AS ENUM ('scheduled', 'in_progress', 'completed', 'cancelled');

-- CreateEnum
CREATE TYPE "PaymentMethod" AS ENUM ('cash', 'card', 'transfer', 'check', 'other');

-- CreateEnum
CREATE TYPE "FollowUpStatus" AS ENUM ('PENDING', 'SCHEDULED', 'SENT', 'COMPLETED', 'NO_RESPONSE', 'FAILED');

-- CreateEnum
CREATE TYPE "CampaignStatus" AS ENUM ('draft', 'scheduled', 'sending', 'sent', 'cancelled');

-- CreateEnum
CREATE TYPE "OutboundLane" AS ENUM ('transactional', 'bulk');

-- CreateEnum
CREATE TYPE "OutboundStatus" AS ENUM ('queued', 'sending', 'sent', 'delivered', 'failed', 'cancelled');

-- CreateTable
CREATE TABLE "users" (
    "id" UUID NOT NULL DEFAULT gen_random_uuid(),
    "email" VARCHAR(255),
    "name" VARCHAR(255) NOT NULL,
    "phone" VARCHAR(20),
    "company_name" VARCHAR(255),
    "role" "UserRole" NOT NULL DEFAULT 'contractor',
    "account_status" "AccountStatus" NOT NULL DEFAULT 'active',
    "password_hash" TEXT,
    "manager_id" UUID,
    "language" VARCHAR(10) NOT NULL DEFAULT 'en',
    "timezone" VARCHAR(64) NOT NULL DEFAULT 'America/Phoenix',
    "service_area_zip_codes" VARCHAR(10)[] DEFAULT ARRAY[]::VARCHAR(10)[],
    "contractor_categories" UUID[] DEFAULT ARRAY[]::UUID[],
    "profile_rating" DECIMAL(3,2) NOT NULL DEFAULT 0,
    "response_rate" DECIMAL(3,2) NOT NULL DEFAULT 0,
    "strike_count" INTEGER NOT NULL DEFAULT 0,
    "is_bidding_banned" BOOLEAN NOT NULL DEFAULT false,
    "subscription_tier" "SubscriptionTier",
    "subscription_renewal_date" DATE,
    "lead_discount_multiplier" DECIMAL(3,2) NOT NULL DEFAULT 1.00,
    "is_contractor" BOOLEAN NOT NULL DEFAULT false,
    "dmo_invites_goal" INTEGER NOT NULL DEFAULT 5,
    "dmo_follow_ups_goal" INTEGER NOT NULL DEFAULT 5,
    "last_login_at" TIMESTAMPTZ(6),
    "morning_summary_sent_on" DATE,
    "created_at" TIMESTAMPTZ(6) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(6) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "users_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "channel_identities" (
    "id" UUID NOT NULL DEFAULT gen_random_uuid(),
    "channel" "ChannelKind" NOT NULL,
    "address" VARCHAR(255) NOT NULL,
    "display_name" VARCHAR(255),
    "user_id" UUID,
    "customer_id" UUID,
    "wa_lid" VARCHAR(255),
    "opted_out" BOOLEAN NOT NULL DEFAULT false,
    "opted_out_at" TIMESTAMPTZ(6),
    "opted_in_at" TIMESTAMPTZ(6),
    "last_inbound_at" TIMESTAMPTZ(6),
    "language" VARCHAR(10),
    "created_at" TIMESTAMPTZ(6) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(6) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "channel_identities_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "link_codes" (
    "id" UUID NOT NULL DEFAULT gen_random_uuid(),
    "code" VARCHAR(32) NOT NULL,
    "user_id" UUID NOT NULL,
    "expires_at" TIMESTAMPTZ(6) NOT NULL,
    "used_at" TIMESTAMPTZ(6),
    "created_at" TIMESTAMPTZ(6) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "link_codes_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "api_keys" (
    "id" UUID NOT NULL DEFAULT gen_random_uuid(),
    "name" VARCHAR(100) NOT NULL,
    "prefix" VARCHAR(16) NOT NULL,
    "key_hash" VARCHAR(64) NOT NULL,
    "scope" "ApiKeyScope" NOT NULL,
    "owner_id" UUID,
    "last_used_at" TIMESTAMPTZ(6),
    "revoked_at" TIMESTAMPTZ(6),
    "created_at" TIMESTAMPTZ(6) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "api_keys_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "audit_logs" (
    "id" UUID NOT NULL DEFAULT gen_random_uuid(),
    "actor_user_id" UUID,
    "actor_kind" VARCHAR(20) NOT NULL,
    "action" VARCHAR(100) NOT NULL,
    "entity_type" VARCHAR(50) NOT NULL,
    "entity_id" VARCHAR(64),
    "before" JSONB,
    "after" JSONB,
    "ip" VARCHAR(64),
    "created_at" TIMESTAMPTZ(6) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "audit_logs_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "settings" (
    "key" VARCHAR(100) NOT NULL,
    "value" JSONB NOT NULL,
    "updated_at" TIMESTAMPTZ(6) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "settings_pkey" PRIMARY KEY ("key")
);

-- CreateTable
CREATE TABLE "categories" (
    "id" UUID NOT NULL DEFAULT gen_random_uuid(),
    "slug" VARCHAR(50) NOT NULL,
    "display_name" VARCHAR(100) NOT NULL,
    "description" TEXT,
    "created_at" TIMESTAMPTZ(6) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "categories_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "lead_sources" (
    "slug" VARCHAR(50) NOT NULL,
    "display_name" VARCHAR(100) NOT NULL,
    "bidding_window_seconds" INTEGER NOT NULL DEFAULT 900,
    "default_base_lead_cost" DECIMAL(10,2) NOT NULL DEFAULT 25.00,
    "created_at" TIMESTAMPTZ(6) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "lead_sources_pkey" PRIMARY KEY ("slug")
);

-- CreateTable
CREATE TABLE "leads" (
    "id" UUID NOT NULL DEFAULT gen_random_uuid(),
    "category_id" UUID NOT NULL,
    "title" VARCHAR(255) NOT NULL,
    "description" TEXT NOT NULL DEFAULT '',
    "customer_name" VARCHAR(255) NOT NULL,
    "customer_email" VARCHAR(255),
    "customer_phone" VARCHAR(20),
    "customer_zip_code" VARCHAR(10) NOT NULL,
    "budget_min" DECIMAL(10,2),
    "budget_max" DECIMAL(10,2),
    "urgency_level" "UrgencyLevel" NOT NULL DEFAULT 'medium',
    "service_area_radius_km" INTEGER,
    "lead_source" VARCHAR(50) NOT NULL,
    "base_lead_cost" DECIMAL(10,2) NOT NULL,
    "status" "LeadStatus" NOT NULL DEFAULT 'CREATED',
    "created_at" TIMESTAMPTZ(6) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(6) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "bidding_closes_at" TIMESTAMPTZ(6),
    "metadata" JSONB,
    "is_qualified" BOOLEAN NOT NULL DEFAULT false,
    "external_id" VARCHAR(100),
    "dedupe_key" VARCHAR(100),
    "customer_language" VARCHAR(10) NOT NULL DEFAULT 'en',
    "current_rank" INTEGER,
    "contacted_at" TIMESTAMPTZ(6),
    "contacted_by_id" UUID,
    "customer_id" UUID,
    "expired_at" TIMESTAMPTZ(6),
    "archived_at" TIMESTAMPTZ(6),
    "unanswered_alert_at" TIMESTAMPTZ(6),

    CONSTRAINT "leads_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "bids" (
    "id" UUID NOT NULL DEFAULT gen_random_uuid(),
    "lead_id" UUID NOT NULL,
    "contractor_id" UUID NOT NULL,
    "bid_multiplier" DECIMAL(3,2) NOT NULL,
    "final_bid_amount" DECIMAL(10,2) NOT NULL,
    "bid_rank" INTEGER,
    "bid_placed_at" TIMESTAMPTZ(6) NOT NULL,
    "status" "BidStatus" NOT NULL DEFAULT 'ACTIVE',
    "response_window_starts_at" TIMESTAMPTZ(6),
    "response_window_ends_at" TIMESTAMPTZ(6),
    "responded_at" TIMESTAMPTZ(6),
    "strike_applied" BOOLEAN NOT NULL DEFAULT false,
    "created_at" TIMESTAMPTZ(6) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "lead_discount_multiplier" DECIMAL(3,2) NOT NULL DEFAULT 1.00,
    "window_warned_at" TIMESTAMPTZ(6),
    "updated_at" TIMESTAMPTZ(6) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "bids_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "messages" (
    "id" UUID NOT NULL DEFAULT gen_random_uuid(),
    "lead_id" UUID,
    "customer_id" UUID,
    "sender_id" UUID,
    "recipient_id" UUID,
    "direction" "MessageDirection" NOT NULL DEFAULT 'outbound',
    "is_automated" BOOLEAN NOT NULL DEFAULT false,
    "channel" "ChannelKind",
    "message_text" TEXT NOT NULL,
    "sent_at" TIMESTAMPTZ(6) NOT NULL,
    "is_read" BOOLEAN NOT NULL DEFAULT false,
    "read_at" TIMESTAMPTZ(6),
    "created_at" TIMESTAMPTZ(6) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "messages_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "strike_logs" (
    "id" UUID NOT NULL DEFAULT gen_random_uuid(),
    "contractor_id" UUID NOT NULL,
    "lead_id" UUID NOT NULL,
    "bid_id" UUID NOT NULL,
    "strike_reason" VARCHAR(100),
    "strike_count_after" INTEGER NOT NULL,
    "ban_triggered" BOOLEAN NOT NULL DEFAULT false,
    "created_at" TIMESTAMPTZ(6) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "strike_logs_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "ban_appeals" (
    "id" UUID NOT NULL DEFAULT gen_random_uuid(),
    "contractor_id" UUID NOT NULL,
    "appeal_reason" TEXT NOT NULL,
    "status" "AppealStatus" NOT NULL DEFAULT 'PENDING',
    "reviewed_by_id" UUID,
    "reviewed_at" TIMESTAMPTZ(6),
    "created_at" TIMESTAMPTZ(6) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(6) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "evidence" JSONB,
    "decision_note" TEXT,

    CONSTRAINT "ban_appeals_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "conversions" (
    "id" UUID NOT NULL DEFAULT gen_random_uuid(),
    "lead_id" UUID NOT NULL,
    "contractor_id" UUID NOT NULL,
    "conversion_type" "ConversionType" NOT NULL DEFAULT 'contacted',
    "converted_at" TIMESTAMPTZ(6) NOT NULL,
    "created_at" TIMESTAMPTZ(6) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "revenue_usd" DECIMAL(12,2),

    CONSTRAINT "conversions_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "contractor_metrics" (
    "id" UUID NOT NULL DEFAULT gen_random_uuid(),
    "contractor_id" UUID NOT NULL,
    "total_bids_placed" INTEGER NOT NULL DEFAULT 0,
    "total_leads_won" INTEGER NOT NULL DEFAULT 0,
    "total_leads_contacted" INTEGER NOT NULL DEFAULT 0,
    "contact_rate" DECIMAL(3,2) NOT NULL DEFAULT 0,
    "avg_time_to_contact_minutes" INTEGER,
    "total_spent" DECIMAL(12,2) NOT NULL DEFAULT 0,
    "roi" DECIMAL(5,2),
    "updated_at" TIMESTAMPTZ(6) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "total_minutes_to_contact" INTEGER NOT NULL DEFAULT 0,

    CONSTRAINT "contractor_metrics_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "customers" (
    "id" UUID NOT NULL DEFAULT gen_random_uuid(),
    "owner_id" UUID NOT NULL,
    "name" VARCHAR(255) NOT NULL,
    "email" VARCHAR(255),
    "phone" VARCHAR(20),
    "status" "CustomerStatus" NOT NULL DEFAULT 'lead',
    "lead_source" VARCHAR(100),
    "pipeline_status" "CanonicalStatus" NOT NULL DEFAULT 'lead',
    "stage_entered_at" TIMESTAMPTZ(6) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "notes" TEXT,
    "next_action" VARCHAR(500),
    "next_action_date" TIMESTAMPTZ(6),
    "handles" JSONB,
    "country" VARCHAR(2),
    "timezone" VARCHAR(64),
    "property_address" VARCHAR(255),
    "property_city" VARCHAR(100),
    "property_state" VARCHAR(20),
    "property_zip" VARCHAR(10),
    "consent_json" JSONB,
    "utm_json" JSONB,
    "referral_code" VARCHAR(32),
    "referred_by_id" UUID,
    "preferred_technician_id" UUID,
    "preferred_contact_method" "ContactMethod",
    "preferred_contact_times" JSONB,
    "communication_frequency_preference" "ContactFrequency",
    "language_preference" VARCHAR(10) NOT NULL DEFAULT 'en',
    "quiet_hours_start" VARCHAR(5),
    "quiet_hours_end" VARCHAR(5),
    "opted_out_at" TIMESTAMPTZ(6),
    "last_contacted_at" TIMESTAMPTZ(6),
    "last_activity_at" TIMESTAMPTZ(6) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "inactivity_nudged_at" TIMESTAMPTZ(6),
    "created_at" TIMESTAMPTZ(6) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(6) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "customers_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "deal_pipelines" (
    "id" UUID NOT NULL DEFAULT gen_random_uuid(),
    "name" VARCHAR(100) NOT NULL,
    "owner_id" UUID,
    "kind" VARCHAR(30) NOT NULL DEFAULT 'sales',
    "created_at" TIMESTAMPTZ(6) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "deal_pipelines_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "deal_stages" (
    "id" UUID NOT NULL DEFAULT gen_random_uuid(),
    "pipeline_id" UUID NOT NULL,
    "name" VARCHAR(100) NOT NULL,
    "probability" INTEGER NOT NULL DEFAULT 0,
    "position" INTEGER NOT NULL DEFAULT 0,
    "canonical_status" "CanonicalStatus",
    "is_won" BOOLEAN NOT NULL DEFAULT false,
    "is_lost" BOOLEAN NOT NULL DEFAULT false,
    "created_at" TIMESTAMPTZ(6) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "deal_stages_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "deals" (
    "id" UUID NOT NULL DEFAULT gen_random_uuid(),
    "owner_id" UUID NOT NULL,
    "customer_id" UUID NOT NULL,
    "pipeline_id" UUID NOT NULL,
    "stage_id" UUID NOT NULL,
    "opportunity_id" UUID,
    "title" VARCHAR(255) NOT NULL,
    "value_usd" DECIMAL(12,2) NOT NULL DEFAULT 0,
    "status" "DealStatus" NOT NULL DEFAULT 'open',
    "stage_entered_at" TIMESTAMPTZ(6) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "last_activity_at" TIMESTAMPTZ(6) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "nurtured_at" TIMESTAMPTZ(6),
    "closed_at" TIMESTAMPTZ(6),
    "revenue_usd" DECIMAL(12,2),
    "lost_reason" VARCHAR(500),
    "created_at" TIMESTAMPTZ(6) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(6) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "deals_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "customer_interactions" (
    "id" UUID NOT NULL DEFAULT gen_random_uuid(),
    "customer_id" UUID NOT NULL,
    "owner_id" UUID NOT NULL,
    "type" "InteractionType" NOT NULL,
    "direction" "MessageDirection",
    "content" TEXT NOT NULL DEFAULT '',
    "created_by" UUID,
    "scheduled_for" TIMESTAMPTZ(6),
    "completed" BOOLEAN NOT NULL DEFAULT false,
    "created_at" TIMESTAMPTZ(6) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(6) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "customer_interactions_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "reminders" (
    "id" UUID NOT NULL DEFAULT gen_random_uuid(),
    "customer_id" UUID,
    "owner_id" UUID NOT NULL,
    "type" "ReminderType" NOT NULL,
    "scheduled_for" TIMESTAMPTZ(6) NOT NULL,
    "completed" BOOLEAN NOT NULL DEFAULT false,
    "completed_at" TIMESTAMPTZ(6),
    "message" TEXT NOT NULL DEFAULT '',
    "notified_at" TIMESTAMPTZ(6),
    "dedupe_key" VARCHAR(200),
    "created_at" TIMESTAMPTZ(6) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "reminders_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "event_logs" (
    "id" UUID NOT NULL DEFAULT gen_random_uuid(),
    "event_id" VARCHAR(200) NOT NULL,
    "event_name" "EventName" NOT NULL,
    "customer_id" UUID,
    "owner_id" UUID,
    "user_id" VARCHAR(100),
    "account_id" VARCHAR(100),
    "source" VARCHAR(20),
    "timestamp" TIMESTAMPTZ(6) NOT NULL,
    "properties" JSONB,
    "utm" JSONB,
    "consent" JSONB,
    "payload_hash" VARCHAR(64) NOT NULL,
    "result" JSONB,
    "created_at" TIMESTAMPTZ(6) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "event_logs_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "automation_rules" (
    "id" UUID NOT NULL DEFAULT gen_random_uuid(),
    "owner_id" UUID,
    "name" VARCHAR(100) NOT NULL,
    "trigger" VARCHAR(50) NOT NULL,
    "conditions" JSONB NOT NULL DEFAULT '{}',
    "actions" JSONB NOT NULL DEFAULT '[]',
    "is_active" BOOLEAN NOT NULL DEFAULT true,
    "created_at" TIMESTAMPTZ(6) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(6) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "automation_rules_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "suggestions" (
    "id" UUID NOT NULL DEFAULT gen_random_uuid(),
    "owner_id" UUID NOT NULL,
    "customer_id" UUID,
    "kind" VARCHAR(30) NOT NULL,
    "text" TEXT NOT NULL,
    "payload" JSONB,
    "created_at" TIMESTAMPTZ(6) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "dismissed_at" TIMESTAMPTZ(6),

    CONSTRAINT "suggestions_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "opportunities" (
    "id" UUID NOT NULL DEFAULT gen_random_uuid(),
    "owner_id" UUID NOT NULL,
    "customer_id" UUID,
    "customer_name" TEXT NOT NULL,
    "customer_phone" TEXT,
    "customer_email" TEXT,
    "property_address" TEXT NOT NULL,
    "property_city" TEXT NOT NULL,
    "property_state" TEXT NOT NULL DEFAULT 'AZ',
    "property_zip" TEXT NOT NULL,
    "opportunity_type" TEXT NOT NULL,
    "priority" TEXT NOT NULL,
    "status" TEXT NOT NULL DEFAULT 'pending',
    "job_complexity" TEXT NOT NULL DEFAULT 'STANDARD',
    "asset_brand" TEXT NOT NULL,
    "asset_age_years" DECIMAL(6,2) NOT NULL,
    "forensic_inputs" JSONB NOT NULL DEFAULT '{}',
    "health_score" INTEGER,
    "bio_age" DECIMAL(6,2),
    "fail_probability" DECIMAL(5,4),
    "verdict_action" TEXT,
    "created_at" TIMESTAMPTZ(6) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(6) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "opportunities_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "sequence_templates" (
    "id" UUID NOT NULL DEFAULT gen_random_uuid(),
    "owner_id" UUID,
    "name" TEXT NOT NULL,
    "trigger_type" TEXT NOT NULL,
    "description" TEXT,
    "steps" JSONB NOT NULL DEFAULT '[]',
    "is_active" BOOLEAN NOT NULL DEFAULT true,
    "created_at" TIMESTAMPTZ(6) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(6) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "sequence_templates_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "nurturing_sequences" (
    "id" UUID NOT NULL DEFAULT gen_random_uuid(),
    "owner_id" UUID NOT NULL,
    "customer_id" UUID NOT NULL,
    "opportunity_id" UUID,
    "template_id" UUID,
    "sequence_type" TEXT NOT NULL,
    "status" "SequenceStatus" NOT NULL DEFAULT 'active',
    "current_step" INTEGER NOT NULL DEFAULT 1,
    "total_steps" INTEGER NOT NULL,
    "next_action_at" TIMESTAMPTZ(6),
    "started_at" TIMESTAMPTZ(6) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "completed_at" TIMESTAMPTZ(6),
    "paused_at" TIMESTAMPTZ(6),
    "outcome" "SequenceOutcome",
    "outcome_reason" TEXT,
    "outcome_step" INTEGER,
    "outcome_at" TIMESTAMPTZ(6),
    "revenue_usd" DECIMAL(12,2),
    "est_value_usd" DECIMAL(12,2),
    "click_count" INTEGER NOT NULL DEFAULT 0,
    "high_interest_at" TIMESTAMPTZ(6),
    "created_at" TIMESTAMPTZ(6) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "nurturing_sequences_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "sequence_events" (
    "id" UUID NOT NULL DEFAULT gen_random_uuid(),
    "sequence_id" UUID NOT NULL,
    "step_number" INTEGER NOT NULL,
    "action_type" "SequenceAction" NOT NULL,
    "status" "SequenceEventStatus" NOT NULL DEFAULT 'pending',
    "scheduled_at" TIMESTAMPTZ(6) NOT NULL,
    "executed_at" TIMESTAMPTZ(6),
    "delivery_status" "DeliveryStatus" DEFAULT 'pending',
    "message_content" TEXT,
    "opened_at" TIMESTAMPTZ(6),
    "clicked_at" TIMESTAMPTZ(6),
    "error_message" TEXT,

    CONSTRAINT "sequence_events_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "tracked_links" (
    "id" UUID NOT NULL DEFAULT gen_random_uuid(),
    "token" VARCHAR(32) NOT NULL,
    "url" TEXT NOT NULL,
    "customer_id" UUID,
    "sequence_event_id" UUID,
    "click_count" INTEGER NOT NULL DEFAULT 0,
    "first_clicked_at" TIMESTAMPTZ(6),
    "last_clicked_at" TIMESTAMPTZ(6),
    "created_at" TIMESTAMPTZ(6) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "tracked_links_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "message_templates" (
    "id" UUID NOT NULL DEFAULT gen_random_uuid(),
    "owner_id" UUID,
    "key" VARCHAR(100) NOT NULL,
    "name" VARCHAR(255) NOT NULL,
    "channel" "ChannelKind",
    "language" VARCHAR(10) NOT NULL DEFAULT 'en',
    "subject" VARCHAR(255),
    "body" TEXT NOT NULL,
    "is_active" BOOLEAN NOT NULL DEFAULT true,
    "wa_approved" BOOLEAN NOT NULL DEFAULT false,
    "created_at" TIMESTAMPTZ(6) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(6) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "message_templates_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "prompt_templates" (
    "id" UUID NOT NULL DEFAULT gen_random_uuid(),
    "key" VARCHAR(100) NOT NULL,
    "version" INTEGER NOT NULL DEFAULT 1,
    "name" VARCHAR(255) NOT NULL,
    "system_prompt" TEXT NOT NULL,
    "user_template" TEXT NOT NULL,
    "model" VARCHAR(100),
    "is_active" BOOLEAN NOT NULL DEFAULT true,
    "created_at" TIMESTAMPTZ(6) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "prompt_templates_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "llm_cache" (
    "key" VARCHAR(64) NOT NULL,
    "prompt_key" VARCHAR(100) NOT NULL,
    "response" JSONB NOT NULL,
    "created_at" TIMESTAMPTZ(6) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "expires_at" TIMESTAMPTZ(6) NOT NULL,

    CONSTRAINT "llm_cache_pkey" PRIMARY KEY ("key")
);

-- CreateTable
CREATE TABLE "technicians" (
    "id" UUID NOT NULL DEFAULT gen_random_uuid(),
    "owner_id" UUID NOT NULL,
    "user_id" UUID,
    "name" VARCHAR(255) NOT NULL,
    "phone" VARCHAR(20),
    "email" VARCHAR(255),
    "skills" TEXT[] DEFAULT ARRAY[]::TEXT[],
    "rating" DECIMAL(3,2) NOT NULL DEFAULT 0,
    "is_active" BOOLEAN NOT NULL DEFAULT true,
    "created_at" TIMESTAMPTZ(6) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "technicians_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "jobs" (
    "id" UUID NOT NULL DEFAULT gen_random_uuid(),
    "owner_id" UUID NOT NULL,
    "customer_id" UUID NOT NULL,
    "technician_id" UUID,
    "title" VARCHAR(255) NOT NULL,
    "description" TEXT,
    "status" "JobStatus" NOT NULL DEFAULT 'scheduled',
    "resolution" VARCHAR(100),
    "scheduled_at" TIMESTAMPTZ(6),
    "completion_date" TIMESTAMPTZ(6),
    "total_usd" DECIMAL(12,2),
    "survey_sent_at" TIMESTAMPTZ(6),
    "created_at" TIMESTAMPTZ(6) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(6) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "jobs_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "payments" (
    "id" UUID NOT NULL DEFAULT gen_random_uuid(),
    "owner_id" UUID NOT NULL,
    "customer_id" UUID NOT NULL,
    "job_id" UUID,
    "amount" DECIMAL(12,2) NOT NULL,
    "payment_method" "PaymentMethod",
    "paid_at" TIMESTAMPTZ(6) NOT NULL,
    "notes" TEXT,
    "created_at" TIMESTAMPTZ(6) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "payments_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "expenses" (
    "id" UUID NOT NULL DEFAULT gen_random_uuid(),
    "owner_id" UUID NOT NULL,
    "customer_id" UUID,
    "job_id" UUID,
    "amount" DECIMAL(12,2) NOT NULL,
    "category" VARCHAR(100),
    "description" TEXT,
    "incurred_at" TIMESTAMPTZ(6) NOT NULL,
    "created_at" TIMESTAMPTZ(6) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "expenses_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "appliances" (
    "id" UUID NOT NULL DEFAULT gen_random_uuid(),
    "customer_id" UUID NOT NULL,
    "type" VARCHAR(100) NOT NULL,
    "brand" VARCHAR(100),
    "model_number" VARCHAR(100),
    "serial_number" VARCHAR(100),
    "install_date" DATE,
    "last_service_date" TIMESTAMPTZ(6),
    "job_id" UUID,
    "maintenance_due_at" TIMESTAMPTZ(6),
    "maintenance_note" TEXT,
    "created_at" TIMESTAMPTZ(6) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(6) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "appliances_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "reviews" (
    "id" UUID NOT NULL DEFAULT gen_random_uuid(),
    "job_id" UUID NOT NULL,
    "customer_id" UUID NOT NULL,
    "technician_id" UUID,
    "rating" INTEGER NOT NULL,
    "comment" TEXT,
    "created_at" TIMESTAMPTZ(6) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "reviews_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "customer_technician_ratings" (
    "id" UUID NOT NULL DEFAULT gen_random_uuid(),
    "customer_id" UUID NOT NULL,
    "technician_id" UUID NOT NULL,
    "job_id" UUID NOT NULL,
    "rating" INTEGER NOT NULL,
    "created_at" TIMESTAMPTZ(6) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "customer_technician_ratings_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "service_follow_ups" (
    "id" UUID NOT NULL DEFAULT gen_random_uuid(),
    "job_id" UUID NOT NULL,
    "customer_id" UUID NOT NULL,
    "status" "FollowUpStatus" NOT NULL DEFAULT 'PENDING',
    "satisfaction_rating" INTEGER,
    "feedback" TEXT,
    "follow_up_date" TIMESTAMPTZ(6),
    "message" TEXT,
    "channel" "ChannelKind",
    "created_at" TIMESTAMPTZ(6) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "service_follow_ups_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "segments" (
    "id" UUID NOT NULL DEFAULT gen_random_uuid(),
    "owner_id" UUID NOT NULL,
    "name" VARCHAR(100) NOT NULL,
    "filter" JSONB NOT NULL,
    "created_at" TIMESTAMPTZ(6) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(6) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "segments_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "campaigns" (
    "id" UUID NOT NULL DEFAULT gen_random_uuid(),
    "owner_id" UUID NOT NULL,
    "segment_id" UUID NOT NULL,
    "message_template_id" UUID,
    "name" VARCHAR(255) NOT NULL,
    "channel" "ChannelKind",
    "subject" VARCHAR(255),
    "body" TEXT,
    "status" "CampaignStatus" NOT NULL DEFAULT 'draft',
    "scheduled_at" TIMESTAMPTZ(6),
    "sent_at" TIMESTAMPTZ(6),
    "recipient_count" INTEGER NOT NULL DEFAULT 0,
    "skipped_count" INTEGER NOT NULL DEFAULT 0,
    "created_at" TIMESTAMPTZ(6) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "campaigns_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "outbound_messages" (
    "id" UUID NOT NULL DEFAULT gen_random_uuid(),
    "channel" "ChannelKind" NOT NULL,
    "to_address" VARCHAR(255) NOT NULL,
    "identity_id" UUID,
    "user_id" UUID,
    "customer_id" UUID,
    "lane" "OutboundLane" NOT NULL DEFAULT 'transactional',
    "kind" VARCHAR(50) NOT NULL,
    "subject" VARCHAR(255),
    "body" TEXT NOT NULL,
    "payload" JSONB,
    "status" "OutboundStatus" NOT NULL DEFAULT 'queued',
    "attempts" INTEGER NOT NULL DEFAULT 0,
    "max_attempts" INTEGER NOT NULL DEFAULT 6,
    "next_attempt_at" TIMESTAMPTZ(6) NOT NULL,
    "locked_until" TIMESTAMPTZ(6),
    "last_error" TEXT,
    "provider_message_id" VARCHAR(255),
    "dedupe_key" VARCHAR(200),
    "lead_id" UUID,
    "sequence_event_id" UUID,
    "campaign_id" UUID,
    "sent_at" TIMESTAMPTZ(6),
    "delivered_at" TIMESTAMPTZ(6),
    "failed_at" TIMESTAMPTZ(6),
    "created_at" TIMESTAMPTZ(6) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(6) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "outbound_messages_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "inbound_messages" (
    "id" UUID NOT NULL DEFAULT gen_random_uuid(),
    "channel" "ChannelKind" NOT NULL,
    "external_id" VARCHAR(255) NOT NULL,
    "from_address" VARCHAR(255) NOT NULL,
    "identity_id" UUID,
    "text" TEXT,
    "payload" JSONB,
    "received_at" TIMESTAMPTZ(6) NOT NULL,
    "processed_at" TIMESTAMPTZ(6),
    "error" TEXT,

    CONSTRAINT "inbound_messages_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "whatsapp_auth" (
    "session_id" VARCHAR(50) NOT NULL,
    "key_type" VARCHAR(50) NOT NULL,
    "key_id" VARCHAR(255) NOT NULL,
    "value" TEXT NOT NULL,
    "updated_at" TIMESTAMPTZ(6) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "whatsapp_auth_pkey" PRIMARY KEY ("session_id","key_type","key_id")
);

-- CreateTable
CREATE TABLE "whatsapp_messages" (
    "session_id" VARCHAR(50) NOT NULL,
    "message_id" VARCHAR(255) NOT NULL,
    "remote_jid" VARCHAR(255) NOT NULL,
    "message" JSONB NOT NULL,
    "created_at" TIMESTAMPTZ(6) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "whatsapp_messages_pkey" PRIMARY KEY ("session_id","message_id")
);

-- CreateTable
CREATE TABLE "job_runs" (
    "name" VARCHAR(100) NOT NULL,
    "last_started_at" TIMESTAMPTZ(6),
    "last_finished_at" TIMESTAMPTZ(6),
    "last_error" TEXT,
    "run_count" INTEGER NOT NULL DEFAULT 0,

    CONSTRAINT "job_runs_pkey" PRIMARY KEY ("name")
);

-- CreateIndex
CREATE UNIQUE INDEX "users_email_key" ON "users"("email");

-- CreateIndex
CREATE INDEX "idx_users_is_contractor" ON "users"("is_contractor");

-- CreateIndex
CREATE INDEX "idx_users_is_bidding_banned" ON "users"("is_bidding_banned") WHERE (is_bidding_banned = true);

-- CreateIndex
CREATE INDEX "idx_users_service_zips" ON "users" USING GIN ("service_area_zip_codes");

-- CreateIndex
CREATE INDEX "users_manager_id_idx" ON "users"("manager_id");

-- CreateIndex
CREATE INDEX "channel_identities_user_id_idx" ON "channel_identities"("user_id");

-- CreateIndex
CREATE INDEX "channel_identities_customer_id_idx" ON "channel_identities"("customer_id");

-- CreateIndex
CREATE INDEX "channel_identities_wa_lid_idx" ON "channel_identities"("wa_lid");

-- CreateIndex
CREATE UNIQUE INDEX "channel_identities_channel_address_key" ON "channel_identities"("channel", "address");

-- CreateIndex
CREATE UNIQUE INDEX "link_codes_code_key" ON "link_codes"("code");

-- CreateIndex
CREATE INDEX "link_codes_user_id_idx" ON "link_codes"("user_id");

-- CreateIndex
CREATE UNIQUE INDEX "api_keys_key_hash_key" ON "api_keys"("key_hash");

-- CreateIndex
CREATE INDEX "api_keys_owner_id_idx" ON "api_keys"("owner_id");

-- CreateIndex
CREATE INDEX "audit_logs_entity_type_entity_id_idx" ON "audit_logs"("entity_type", "entity_id");

-- CreateIndex
CREATE INDEX "audit_logs_created_at_idx" ON "audit_logs"("created_at");

-- CreateIndex
CREATE UNIQUE INDEX "idx_categories_slug" ON "categories"("slug");

-- CreateIndex
CREATE INDEX "idx_leads_status" ON "leads"("status");

-- CreateIndex
CREATE INDEX "idx_leads_category" ON "leads"("category_id");

-- CreateIndex
CREATE INDEX "idx_leads_created_at" ON "leads"("created_at");

-- CreateIndex
CREATE INDEX "idx_leads_bidding_closes" ON "leads"("bidding_closes_at") WHERE (status = 'ACTIVE');

-- CreateIndex
CREATE INDEX "idx_leads_urgency" ON "leads"("urgency_level");

-- CreateIndex
CREATE INDEX "leads_dedupe_key_created_at_idx" ON "leads"("dedupe_key", "created_at");

-- CreateIndex
CREATE INDEX "leads_customer_id_idx" ON "leads"("customer_id");

-- CreateIndex
CREATE UNIQUE INDEX "leads_lead_source_external_id_key" ON "leads"("lead_source", "external_id");

-- CreateIndex
CREATE INDEX "idx_bids_lead" ON "bids"("lead_id");

-- CreateIndex
CREATE INDEX "idx_bids_contractor" ON "bids"("contractor_id");

-- CreateIndex
CREATE INDEX "idx_bids_status" ON "bids"("status");

-- CreateIndex
CREATE INDEX "idx_bids_response_window" ON "bids"("response_window_ends_at") WHERE (status = 'WON' AND responded_at IS NULL);

-- CreateIndex
CREATE UNIQUE INDEX "idx_bids_lead_contractor" ON "bids"("lead_id", "contractor_id");

-- CreateIndex
CREATE INDEX "idx_messages_lead" ON "messages"("lead_id");

-- CreateIndex
CREATE INDEX "idx_messages_sender" ON "messages"("sender_id");

-- CreateIndex
CREATE INDEX "idx_messages_sent_at" ON "messages"("sent_at");

-- CreateIndex
CREATE INDEX "idx_messages_recipient" ON "messages"("recipient_id") WHERE (recipient_id IS NOT NULL);

-- CreateIndex
CREATE INDEX "messages_customer_id_sent_at_idx" ON "messages"("customer_id", "sent_at");

-- CreateIndex
CREATE UNIQUE INDEX "idx_strike_logs_bid" ON "strike_logs"("bid_id");

-- CreateIndex
CREATE INDEX "idx_strike_logs_contractor" ON "strike_logs"("contractor_id");

-- CreateIndex
CREATE INDEX "idx_strike_logs_created_at" ON "strike_logs"("created_at");

-- CreateIndex
CREATE INDEX "idx_ban_appeals_contractor" ON "ban_appeals"("contractor_id");

-- CreateIndex
CREATE INDEX "idx_ban_appeals_status" ON "ban_appeals"("status");

-- CreateIndex
CREATE UNIQUE INDEX "ban_appeals_one_pending_per_contractor" ON "ban_appeals"("contractor_id") WHERE (status = 'PENDING');

-- CreateIndex
CREATE INDEX "idx_conversions_lead" ON "conversions"("lead_id");

-- CreateIndex
CREATE INDEX "idx_conversions_contractor" ON "conversions"("contractor_id");

-- CreateIndex
CREATE INDEX "idx_conversions_converted_at" ON "conversions"("converted_at");

-- CreateIndex
CREATE UNIQUE INDEX "conversions_lead_id_conversion_type_key" ON "conversions"("lead_id", "conversion_type");

-- CreateIndex
CREATE UNIQUE INDEX "contractor_metrics_contractor_id_key" ON "contractor_metrics"("contractor_id");

-- CreateIndex
CREATE INDEX "idx_contractor_metrics_contact_rate" ON "contractor_metrics"("contact_rate");

-- CreateIndex
CREATE UNIQUE INDEX "customers_referral_code_key" ON "customers"("referral_code");

-- CreateIndex
CREATE INDEX "customers_owner_id_status_idx" ON "customers"("owner_id", "status");

-- CreateIndex
CREATE INDEX "customers_owner_id_pipeline_status_idx" ON "customers"("owner_id", "pipeline_status");

-- CreateIndex
CREATE INDEX "customers_owner_id_next_action_date_idx" ON "customers"("owner_id", "next_action_date");

-- CreateIndex
CREATE INDEX "customers_owner_id_last_activity_at_idx" ON "customers"("owner_id", "last_activity_at");

-- CreateIndex
CREATE INDEX "customers_email_idx" ON "customers"("email");

-- CreateIndex
CREATE INDEX "customers_phone_idx" ON "customers"("phone");

-- CreateIndex
CREATE UNIQUE INDEX "deal_pipelines_owner_id_name_key" ON "deal_pipelines"("owner_id", "name");

-- CreateIndex
CREATE UNIQUE INDEX "deal_pipelines_shared_name_key" ON "deal_pipelines"("name") WHERE (owner_id IS NULL);

-- CreateIndex
CREATE INDEX "deal_stages_pipeline_id_position_idx" ON "deal_stages"("pipeline_id", "position");

-- CreateIndex
CREATE UNIQUE INDEX "deal_stages_pipeline_id_name_key" ON "deal_stages"("pipeline_id", "name");

-- CreateIndex
CREATE INDEX "deals_owner_id_status_idx" ON "deals"("owner_id", "status");

-- CreateIndex
CREATE INDEX "deals_stage_id_status_idx" ON "deals"("stage_id", "status");

-- CreateIndex
CREATE INDEX "deals_customer_id_idx" ON "deals"("customer_id");

-- CreateIndex
CREATE INDEX "customer_interactions_customer_id_created_at_idx" ON "customer_interactions"("customer_id", "created_at");

-- CreateIndex
CREATE INDEX "customer_interactions_owner_id_scheduled_for_idx" ON "customer_interactions"("owner_id", "scheduled_for");

-- CreateIndex
CREATE UNIQUE INDEX "reminders_dedupe_key_key" ON "reminders"("dedupe_key");

-- CreateIndex
CREATE INDEX "reminders_owner_id_completed_scheduled_for_idx" ON "reminders"("owner_id", "completed", "scheduled_for");

-- CreateIndex
CREATE INDEX "reminders_completed_notified_at_scheduled_for_idx" ON "reminders"("completed", "notified_at", "scheduled_for");

-- CreateIndex
CREATE INDEX "reminders_customer_id_idx" ON "reminders"("customer_id");

-- CreateIndex
CREATE UNIQUE INDEX "event_logs_event_id_key" ON "event_logs"("event_id");

-- CreateIndex
CREATE INDEX "event_logs_customer_id_timestamp_idx" ON "event_logs"("customer_id", "timestamp");

-- CreateIndex
CREATE INDEX "event_logs_owner_id_event_name_timestamp_idx" ON "event_logs"("owner_id", "event_name", "timestamp");

-- CreateIndex
CREATE INDEX "event_logs_timestamp_idx" ON "event_logs"("timestamp");

-- CreateIndex
CREATE UNIQUE INDEX "automation_rules_owner_id_trigger_name_key" ON "automation_rules"("owner_id", "trigger", "name");

-- CreateIndex
CREATE UNIQUE INDEX "automation_rules_platform_key" ON "automation_rules"("trigger", "name") WHERE (owner_id IS NULL);

-- CreateIndex
CREATE INDEX "suggestions_owner_id_created_at_idx" ON "suggestions"("owner_id", "created_at");

-- CreateIndex
CREATE INDEX "suggestions_customer_id_idx" ON "suggestions"("customer_id");

-- CreateIndex
CREATE INDEX "opportunities_owner_id_status_idx" ON "opportunities"("owner_id", "status");

-- CreateIndex
CREATE INDEX "sequence_templates_trigger_type_is_active_idx" ON "sequence_templates"("trigger_type", "is_active");

-- CreateIndex
CREATE INDEX "nurturing_sequences_owner_id_status_idx" ON "nurturing_sequences"("owner_id", "status");

-- CreateIndex
CREATE INDEX "nurturing_sequences_customer_id_status_idx" ON "nurturing_sequences"("customer_id", "status");

-- CreateIndex
CREATE INDEX "nurturing_sequences_status_next_action_at_idx" ON "nurturing_sequences"("status", "next_action_at");

-- CreateIndex
CREATE INDEX "nurturing_sequences_outcome_outcome_at_idx" ON "nurturing_sequences"("outcome", "outcome_at");

-- CreateIndex
CREATE INDEX "sequence_events_status_scheduled_at_idx" ON "sequence_events"("status", "scheduled_at");

-- CreateIndex
CREATE UNIQUE INDEX "sequence_events_sequence_id_step_number_key" ON "sequence_events"("sequence_id", "step_number");

-- CreateIndex
CREATE UNIQUE INDEX "tracked_links_token_key" ON "tracked_links"("token");

-- CreateIndex
CREATE INDEX "tracked_links_sequence_event_id_idx" ON "tracked_links"("sequence_event_id");

-- CreateIndex
CREATE UNIQUE INDEX "message_templates_owner_id_key_language_key" ON "message_templates"("owner_id", "key", "language");

-- CreateIndex
CREATE UNIQUE INDEX "message_templates_platform_key" ON "message_templates"("key", "language") WHERE (owner_id IS NULL);

-- CreateIndex
CREATE UNIQUE INDEX "prompt_templates_key_version_key" ON "prompt_templates"("key", "version");

-- CreateIndex
CREATE INDEX "llm_cache_expires_at_idx" ON "llm_cache"("expires_at");

-- CreateIndex
CREATE UNIQUE INDEX "technicians_user_id_key" ON "technicians"("user_id");

-- CreateIndex
CREATE INDEX "technicians_owner_id_idx" ON "technicians"("owner_id");

-- CreateIndex
CREATE INDEX "jobs_owner_id_status_idx" ON "jobs"("owner_id", "status");

-- CreateIndex
CREATE INDEX "jobs_customer_id_idx" ON "jobs"("customer_id");

-- CreateIndex
CREATE INDEX "jobs_technician_id_idx" ON "jobs"("technician_id");

-- CreateIndex
CREATE INDEX "jobs_status_completion_date_idx" ON "jobs"("status", "completion_date");

-- CreateIndex
CREATE INDEX "payments_customer_id_idx" ON "payments"("customer_id");

-- CreateIndex
CREATE INDEX "payments_job_id_idx" ON "payments"("job_id");

-- CreateIndex
CREATE INDEX "expenses_customer_id_idx" ON "expenses"("customer_id");

-- CreateIndex
CREATE INDEX "expenses_job_id_idx" ON "expenses"("job_id");

-- CreateIndex
CREATE INDEX "appliances_customer_id_idx" ON "appliances"("customer_id");

-- CreateIndex
CREATE INDEX "appliances_job_id_idx" ON "appliances"("job_id");

-- CreateIndex
CREATE INDEX "reviews_job_id_idx" ON "reviews"("job_id");

-- CreateIndex
CREATE INDEX "reviews_customer_id_idx" ON "reviews"("customer_id");

-- CreateIndex
CREATE INDEX "reviews_technician_id_idx" ON "reviews"("technician_id");

-- CreateIndex
CREATE INDEX "customer_technician_ratings_customer_id_idx" ON "customer_technician_ratings"("customer_id");

-- CreateIndex
CREATE INDEX "customer_technician_ratings_technician_id_idx" ON "customer_technician_ratings"("technician_id");

-- CreateIndex
CREATE INDEX "customer_technician_ratings_job_id_idx" ON "customer_technician_ratings"("job_id");

-- CreateIndex
CREATE INDEX "service_follow_ups_job_id_idx" ON "service_follow_ups"("job_id");

-- CreateIndex
CREATE INDEX "service_follow_ups_customer_id_idx" ON "service_follow_ups"("customer_id");

-- CreateIndex
CREATE INDEX "service_follow_ups_status_follow_up_date_idx" ON "service_follow_ups"("status", "follow_up_date");

-- CreateIndex
CREATE INDEX "segments_owner_id_idx" ON "segments"("owner_id");

-- CreateIndex
CREATE INDEX "campaigns_owner_id_status_idx" ON "campaigns"("owner_id", "status");

-- CreateIndex
CREATE UNIQUE INDEX "outbound_messages_dedupe_key_key" ON "outbound_messages"("dedupe_key");

-- CreateIndex
CREATE INDEX "idx_outbound_due" ON "outbound_messages"("lane", "next_attempt_at") WHERE (status IN ('queued', 'sending'));

-- CreateIndex
CREATE INDEX "outbound_messages_channel_to_address_created_at_idx" ON "outbound_messages"("channel", "to_address", "created_at");

-- CreateIndex
CREATE INDEX "outbound_messages_customer_id_idx" ON "outbound_messages"("customer_id");

-- CreateIndex
CREATE INDEX "outbound_messages_campaign_id_idx" ON "outbound_messages"("campaign_id");

-- CreateIndex
CREATE INDEX "outbound_messages_provider_message_id_idx" ON "outbound_messages"("provider_message_id");

-- CreateIndex
CREATE INDEX "inbound_messages_processed_at_received_at_idx" ON "inbound_messages"("processed_at", "received_at");

-- CreateIndex
CREATE UNIQUE INDEX "inbound_messages_channel_external_id_key" ON "inbound_messages"("channel", "external_id");

-- CreateIndex
CREATE INDEX "whatsapp_messages_created_at_idx" ON "whatsapp_messages"("created_at");

-- AddForeignKey
ALTER TABLE "users" ADD CONSTRAINT "users_manager_id_fkey" FOREIGN KEY ("manager_id") REFERENCES "users"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "channel_identities" ADD CONSTRAINT "channel_identities_user_id_fkey" FOREIGN KEY ("user_id") REFERENCES "users"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "channel_identities" ADD CONSTRAINT "channel_identities_customer_id_fkey" FOREIGN KEY ("customer_id") REFERENCES "customers"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "link_codes" ADD CONSTRAINT "link_codes_user_id_fkey" FOREIGN KEY ("user_id") REFERENCES "users"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "api_keys" ADD CONSTRAINT "api_keys_owner_id_fkey" FOREIGN KEY ("owner_id") REFERENCES "users"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "audit_logs" ADD CONSTRAINT "audit_logs_actor_user_id_fkey" FOREIGN KEY ("actor_user_id") REFERENCES "users"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "leads" ADD CONSTRAINT "leads_category_id_fkey" FOREIGN KEY ("category_id") REFERENCES "categories"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "leads" ADD CONSTRAINT "leads_contacted_by_id_fkey" FOREIGN KEY ("contacted_by_id") REFERENCES "users"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "leads" ADD CONSTRAINT "leads_customer_id_fkey" FOREIGN KEY ("customer_id") REFERENCES "customers"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "bids" ADD CONSTRAINT "bids_lead_id_fkey" FOREIGN KEY ("lead_id") REFERENCES "leads"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "bids" ADD CONSTRAINT "bids_contractor_id_fkey" FOREIGN KEY ("contractor_id") REFERENCES "users"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "messages" ADD CONSTRAINT "messages_lead_id_fkey" FOREIGN KEY ("lead_id") REFERENCES "leads"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "messages" ADD CONSTRAINT "messages_customer_id_fkey" FOREIGN KEY ("customer_id") REFERENCES "customers"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "messages" ADD CONSTRAINT "messages_sender_id_fkey" FOREIGN KEY ("sender_id") REFERENCES "users"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "messages" ADD CONSTRAINT "messages_recipient_id_fkey" FOREIGN KEY ("recipient_id") REFERENCES "users"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "strike_logs" ADD CONSTRAINT "strike_logs_contractor_id_fkey" FOREIGN KEY ("contractor_id") REFERENCES "users"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "strike_logs" ADD CONSTRAINT "strike_logs_lead_id_fkey" FOREIGN KEY ("lead_id") REFERENCES "leads"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "strike_logs" ADD CONSTRAINT "strike_logs_bid_id_fkey" FOREIGN KEY ("bid_id") REFERENCES "bids"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "ban_appeals" ADD CONSTRAINT "ban_appeals_contractor_id_fkey" FOREIGN KEY ("contractor_id") REFERENCES "users"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "ban_appeals" ADD CONSTRAINT "ban_appeals_reviewed_by_id_fkey" FOREIGN KEY ("reviewed_by_id") REFERENCES "users"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "conversions" ADD CONSTRAINT "conversions_lead_id_fkey" FOREIGN KEY ("lead_id") REFERENCES "leads"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "conversions" ADD CONSTRAINT "conversions_contractor_id_fkey" FOREIGN KEY ("contractor_id") REFERENCES "users"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "contractor_metrics" ADD CONSTRAINT "contractor_metrics_contractor_id_fkey" FOREIGN KEY ("contractor_id") REFERENCES "users"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "customers" ADD CONSTRAINT "customers_owner_id_fkey" FOREIGN KEY ("owner_id") REFERENCES "users"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "customers" ADD CONSTRAINT "customers_referred_by_id_fkey" FOREIGN KEY ("referred_by_id") REFERENCES "customers"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "customers" ADD CONSTRAINT "customers_preferred_technician_id_fkey" FOREIGN KEY ("preferred_technician_id") REFERENCES "technicians"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "deal_pipelines" ADD CONSTRAINT "deal_pipelines_owner_id_fkey" FOREIGN KEY ("owner_id") REFERENCES "users"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "deal_stages" ADD CONSTRAINT "deal_stages_pipeline_id_fkey" FOREIGN KEY ("pipeline_id") REFERENCES "deal_pipelines"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "deals" ADD CONSTRAINT "deals_owner_id_fkey" FOREIGN KEY ("owner_id") REFERENCES "users"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "deals" ADD CONSTRAINT "deals_customer_id_fkey" FOREIGN KEY ("customer_id") REFERENCES "customers"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "deals" ADD CONSTRAINT "deals_pipeline_id_fkey" FOREIGN KEY ("pipeline_id") REFERENCES "deal_pipelines"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "deals" ADD CONSTRAINT "deals_stage_id_fkey" FOREIGN KEY ("stage_id") REFERENCES "deal_stages"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "deals" ADD CONSTRAINT "deals_opportunity_id_fkey" FOREIGN KEY ("opportunity_id") REFERENCES "opportunities"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "customer_interactions" ADD CONSTRAINT "customer_interactions_customer_id_fkey" FOREIGN KEY ("customer_id") REFERENCES "customers"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "customer_interactions" ADD CONSTRAINT "customer_interactions_owner_id_fkey" FOREIGN KEY ("owner_id") REFERENCES "users"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "customer_interactions" ADD CONSTRAINT "customer_interactions_created_by_fkey" FOREIGN KEY ("created_by") REFERENCES "users"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "reminders" ADD CONSTRAINT "reminders_customer_id_fkey" FOREIGN KEY ("customer_id") REFERENCES "customers"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "reminders" ADD CONSTRAINT "reminders_owner_id_fkey" FOREIGN KEY ("owner_id") REFERENCES "users"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "event_logs" ADD CONSTRAINT "event_logs_customer_id_fkey" FOREIGN KEY ("customer_id") REFERENCES "customers"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "event_logs" ADD CONSTRAINT "event_logs_owner_id_fkey" FOREIGN KEY ("owner_id") REFERENCES "users"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "automation_rules" ADD CONSTRAINT "automation_rules_owner_id_fkey" FOREIGN KEY ("owner_id") REFERENCES "users"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "suggestions" ADD CONSTRAINT "suggestions_owner_id_fkey" FOREIGN KEY ("owner_id") REFERENCES "users"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "suggestions" ADD CONSTRAINT "suggestions_customer_id_fkey" FOREIGN KEY ("customer_id") REFERENCES "customers"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "opportunities" ADD CONSTRAINT "opportunities_owner_id_fkey" FOREIGN KEY ("owner_id") REFERENCES "users"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "opportunities" ADD CONSTRAINT "opportunities_customer_id_fkey" FOREIGN KEY ("customer_id") REFERENCES "customers"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "sequence_templates" ADD CONSTRAINT "sequence_templates_owner_id_fkey" FOREIGN KEY ("owner_id") REFERENCES "users"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "nurturing_sequences" ADD CONSTRAINT "nurturing_sequences_owner_id_fkey" FOREIGN KEY ("owner_id") REFERENCES "users"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "nurturing_sequences" ADD CONSTRAINT "nurturing_sequences_customer_id_fkey" FOREIGN KEY ("customer_id") REFERENCES "customers"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "nurturing_sequences" ADD CONSTRAINT "nurturing_sequences_opportunity_id_fkey" FOREIGN KEY ("opportunity_id") REFERENCES "opportunities"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "nurturing_sequences" ADD CONSTRAINT "nurturing_sequences_template_id_fkey" FOREIGN KEY ("template_id") REFERENCES "sequence_templates"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "sequence_events" ADD CONSTRAINT "sequence_events_sequence_id_fkey" FOREIGN KEY ("sequence_id") REFERENCES "nurturing_sequences"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "tracked_links" ADD CONSTRAINT "tracked_links_customer_id_fkey" FOREIGN KEY ("customer_id") REFERENCES "customers"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "tracked_links" ADD CONSTRAINT "tracked_links_sequence_event_id_fkey" FOREIGN KEY ("sequence_event_id") REFERENCES "sequence_events"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "message_templates" ADD CONSTRAINT "message_templates_owner_id_fkey" FOREIGN KEY ("owner_id") REFERENCES "users"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "technicians" ADD CONSTRAINT "technicians_owner_id_fkey" FOREIGN KEY ("owner_id") REFERENCES "users"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "technicians" ADD CONSTRAINT "technicians_user_id_fkey" FOREIGN KEY ("user_id") REFERENCES "users"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "jobs" ADD CONSTRAINT "jobs_owner_id_fkey" FOREIGN KEY ("owner_id") REFERENCES "users"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "jobs" ADD CONSTRAINT "jobs_customer_id_fkey" FOREIGN KEY ("customer_id") REFERENCES "customers"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "jobs" ADD CONSTRAINT "jobs_technician_id_fkey" FOREIGN KEY ("technician_id") REFERENCES "technicians"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "payments" ADD CONSTRAINT "payments_owner_id_fkey" FOREIGN KEY ("owner_id") REFERENCES "users"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "payments" ADD CONSTRAINT "payments_customer_id_fkey" FOREIGN KEY ("customer_id") REFERENCES "customers"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "payments" ADD CONSTRAINT "payments_job_id_fkey" FOREIGN KEY ("job_id") REFERENCES "jobs"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "expenses" ADD CONSTRAINT "expenses_owner_id_fkey" FOREIGN KEY ("owner_id") REFERENCES "users"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "expenses" ADD CONSTRAINT "expenses_customer_id_fkey" FOREIGN KEY ("customer_id") REFERENCES "customers"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "expenses" ADD CONSTRAINT "expenses_job_id_fkey" FOREIGN KEY ("job_id") REFERENCES "jobs"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "appliances" ADD CONSTRAINT "appliances_customer_id_fkey" FOREIGN KEY ("customer_id") REFERENCES "customers"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "appliances" ADD CONSTRAINT "appliances_job_id_fkey" FOREIGN KEY ("job_id") REFERENCES "jobs"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "reviews" ADD CONSTRAINT "reviews_job_id_fkey" FOREIGN KEY ("job_id") REFERENCES "jobs"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "reviews" ADD CONSTRAINT "reviews_customer_id_fkey" FOREIGN KEY ("customer_id") REFERENCES "customers"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "reviews" ADD CONSTRAINT "reviews_technician_id_fkey" FOREIGN KEY ("technician_id") REFERENCES "technicians"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "customer_technician_ratings" ADD CONSTRAINT "customer_technician_ratings_customer_id_fkey" FOREIGN KEY ("customer_id") REFERENCES "customers"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "customer_technician_ratings" ADD CONSTRAINT "customer_technician_ratings_technician_id_fkey" FOREIGN KEY ("technician_id") REFERENCES "technicians"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "customer_technician_ratings" ADD CONSTRAINT "customer_technician_ratings_job_id_fkey" FOREIGN KEY ("job_id") REFERENCES "jobs"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "service_follow_ups" ADD CONSTRAINT "service_follow_ups_job_id_fkey" FOREIGN KEY ("job_id") REFERENCES "jobs"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "service_follow_ups" ADD CONSTRAINT "service_follow_ups_customer_id_fkey" FOREIGN KEY ("customer_id") REFERENCES "customers"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "segments" ADD CONSTRAINT "segments_owner_id_fkey" FOREIGN KEY ("owner_id") REFERENCES "users"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "campaigns" ADD CONSTRAINT "campaigns_owner_id_fkey" FOREIGN KEY ("owner_id") REFERENCES "users"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "campaigns" ADD CONSTRAINT "campaigns_segment_id_fkey" FOREIGN KEY ("segment_id") REFERENCES "segments"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "campaigns" ADD CONSTRAINT "campaigns_message_template_id_fkey" FOREIGN KEY ("message_template_id") REFERENCES "message_templates"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "outbound_messages" ADD CONSTRAINT "outbound_messages_identity_id_fkey" FOREIGN KEY ("identity_id") REFERENCES "channel_identities"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "outbound_messages" ADD CONSTRAINT "outbound_messages_user_id_fkey" FOREIGN KEY ("user_id") REFERENCES "users"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "outbound_messages" ADD CONSTRAINT "outbound_messages_customer_id_fkey" FOREIGN KEY ("customer_id") REFERENCES "customers"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "outbound_messages" ADD CONSTRAINT "outbound_messages_lead_id_fkey" FOREIGN KEY ("lead_id") REFERENCES "leads"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "outbound_messages" ADD CONSTRAINT "outbound_messages_sequence_event_id_fkey" FOREIGN KEY ("sequence_event_id") REFERENCES "sequence_events"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "outbound_messages" ADD CONSTRAINT "outbound_messages_campaign_id_fkey" FOREIGN KEY ("campaign_id") REFERENCES "campaigns"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "inbound_messages" ADD CONSTRAINT "inbound_messages_identity_id_fkey" FOREIGN KEY ("identity_id") REFERENCES "channel_identities"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- ───────────── Hand-written: constraints Prisma cannot express (seed 001's CHECKs and more) ─────────────
-- Prisma's differ ignores CHECK constraints, so later migrations leave these alone.
ALTER TABLE "users" ADD CONSTRAINT "users_profile_rating_check" CHECK ("profile_rating" >= 0 AND "profile_rating" <= 5);
ALTER TABLE "users" ADD CONSTRAINT "users_response_rate_check" CHECK ("response_rate" >= 0 AND "response_rate" <= 1);
ALTER TABLE "users" ADD CONSTRAINT "users_strike_count_check" CHECK ("strike_count" >= 0);
ALTER TABLE "users" ADD CONSTRAINT "users_lead_discount_multiplier_check" CHECK ("lead_discount_multiplier" > 0 AND "lead_discount_multiplier" <= 2);
ALTER TABLE "leads" ADD CONSTRAINT "leads_base_lead_cost_check" CHECK ("base_lead_cost" >= 0);
ALTER TABLE "leads" ADD CONSTRAINT "leads_budget_check" CHECK ("budget_min" IS NULL OR "budget_max" IS NULL OR "budget_min" <= "budget_max");
ALTER TABLE "leads" ADD CONSTRAINT "leads_current_rank_check" CHECK ("current_rank" IS NULL OR "current_rank" BETWEEN 1 AND 3);
ALTER TABLE "bids" ADD CONSTRAINT "bids_bid_multiplier_check" CHECK ("bid_multiplier" >= 0.5 AND "bid_multiplier" <= 2.0);
ALTER TABLE "bids" ADD CONSTRAINT "bids_bid_rank_check" CHECK ("bid_rank" IS NULL OR "bid_rank" BETWEEN 1 AND 3);
ALTER TABLE "bids" ADD CONSTRAINT "bids_final_bid_amount_check" CHECK ("final_bid_amount" >= 0);
ALTER TABLE "bids" ADD CONSTRAINT "bids_window_check" CHECK ("response_window_ends_at" IS NULL OR "response_window_ends_at" > "response_window_starts_at");
ALTER TABLE "messages" ADD CONSTRAINT "messages_message_text_check" CHECK (char_length("message_text") <= 5000);
ALTER TABLE "strike_logs" ADD CONSTRAINT "strike_logs_strike_count_after_check" CHECK ("strike_count_after" >= 0);
ALTER TABLE "ban_appeals" ADD CONSTRAINT "ban_appeals_appeal_reason_check" CHECK (char_length("appeal_reason") BETWEEN 10 AND 1000);
ALTER TABLE "conversions" ADD CONSTRAINT "conversions_revenue_check" CHECK ("revenue_usd" IS NULL OR "revenue_usd" >= 0);
ALTER TABLE "contractor_metrics" ADD CONSTRAINT "contractor_metrics_contact_rate_check" CHECK ("contact_rate" >= 0 AND "contact_rate" <= 1);
ALTER TABLE "channel_identities" ADD CONSTRAINT "channel_identities_one_owner_check" CHECK ("user_id" IS NULL OR "customer_id" IS NULL);
ALTER TABLE "deal_stages" ADD CONSTRAINT "deal_stages_probability_check" CHECK ("probability" BETWEEN 0 AND 100);
ALTER TABLE "deals" ADD CONSTRAINT "deals_value_check" CHECK ("value_usd" >= 0 AND ("revenue_usd" IS NULL OR "revenue_usd" >= 0));
ALTER TABLE "nurturing_sequences" ADD CONSTRAINT "nurturing_sequences_steps_check" CHECK ("current_step" >= 1 AND "total_steps" >= 0);
ALTER TABLE "nurturing_sequences" ADD CONSTRAINT "nurturing_sequences_revenue_check" CHECK ("revenue_usd" IS NULL OR "revenue_usd" >= 0);
ALTER TABLE "opportunities" ADD CONSTRAINT "opportunities_health_score_check" CHECK ("health_score" IS NULL OR "health_score" BETWEEN 0 AND 100);
ALTER TABLE "opportunities" ADD CONSTRAINT "opportunities_fail_probability_check" CHECK ("fail_probability" IS NULL OR "fail_probability" BETWEEN 0 AND 1);
ALTER TABLE "reviews" ADD CONSTRAINT "reviews_rating_check" CHECK ("rating" BETWEEN 1 AND 5);
ALTER TABLE "customer_technician_ratings" ADD CONSTRAINT "customer_technician_ratings_rating_check" CHECK ("rating" BETWEEN 1 AND 5);
ALTER TABLE "service_follow_ups" ADD CONSTRAINT "service_follow_ups_rating_check" CHECK ("satisfaction_rating" IS NULL OR "satisfaction_rating" BETWEEN 1 AND 5);
ALTER TABLE "payments" ADD CONSTRAINT "payments_amount_check" CHECK ("amount" >= 0);
ALTER TABLE "expenses" ADD CONSTRAINT "expenses_amount_check" CHECK ("amount" >= 0);
ALTER TABLE "outbound_messages" ADD CONSTRAINT "outbound_messages_attempts_check" CHECK ("attempts" >= 0 AND "max_attempts" >= 1);

-- CreateSchema
CREATE SCHEMA IF NOT EXISTS "public";

-- CreateEnum
CREATE TYPE "user_role" AS ENUM ('USER', 'ADMIN', 'SUPER_ADMIN', 'DEVELOPER', 'SUPPORT');

-- CreateEnum
CREATE TYPE "number_type" AS ENUM ('LOCAL', 'TOLL_FREE', 'MOBILE', 'INTERNATIONAL', 'PREMIUM', 'SHARED_COST');

-- CreateEnum
CREATE TYPE "number_capability" AS ENUM ('VOICE', 'SMS', 'MMS', 'FAX');

-- CreateEnum
CREATE TYPE "number_status" AS ENUM ('ACTIVE', 'SUSPENDED', 'RELEASED', 'PENDING', 'CONFIGURING', 'ERROR');

-- CreateEnum
CREATE TYPE "http_method" AS ENUM ('GET', 'POST');

-- CreateEnum
CREATE TYPE "order_status" AS ENUM ('PENDING', 'PROCESSING', 'COMPLETED', 'CANCELLED', 'FAILED', 'PARTIAL');

-- CreateEnum
CREATE TYPE "order_item_type" AS ENUM ('PHONE_NUMBER', 'MONTHLY_FEE', 'SETUP_FEE', 'USAGE_FEE', 'DISCOUNT', 'TAX');

-- CreateEnum
CREATE TYPE "payment_status" AS ENUM ('PENDING', 'PROCESSING', 'SUCCEEDED', 'FAILED', 'CANCELLED', 'REFUNDED', 'PARTIAL_REFUND');

-- CreateEnum
CREATE TYPE "payment_processor" AS ENUM ('STRIPE', 'PAYPAL', 'BANK_TRANSFER', 'CREDIT');

-- CreateEnum
CREATE TYPE "payment_method_type" AS ENUM ('CARD', 'BANK_ACCOUNT', 'DIGITAL_WALLET');

-- CreateEnum
CREATE TYPE "billing_cycle" AS ENUM ('MONTHLY', 'QUARTERLY', 'ANNUALLY');

-- CreateEnum
CREATE TYPE "invoice_status" AS ENUM ('DRAFT', 'SENT', 'VIEWED', 'PAID', 'PARTIAL_PAYMENT', 'OVERDUE', 'CANCELLED', 'REFUNDED');

-- CreateEnum
CREATE TYPE "call_direction" AS ENUM ('INBOUND', 'OUTBOUND');

-- CreateEnum
CREATE TYPE "call_status" AS ENUM ('INITIATED', 'RINGING', 'ANSWERED', 'COMPLETED', 'BUSY', 'FAILED', 'NO_ANSWER', 'CANCELLED');

-- CreateEnum
CREATE TYPE "call_quality" AS ENUM ('EXCELLENT', 'GOOD', 'FAIR', 'POOR', 'BAD');

-- CreateEnum
CREATE TYPE "sms_direction" AS ENUM ('INBOUND', 'OUTBOUND');

-- CreateEnum
CREATE TYPE "sms_status" AS ENUM ('QUEUED', 'SENT', 'DELIVERED', 'FAILED', 'UNDELIVERED');

-- CreateEnum
CREATE TYPE "usage_type" AS ENUM ('VOICE_MINUTES', 'SMS_MESSAGE', 'MMS_MESSAGE', 'PHONE_NUMBER', 'RECORDING_STORAGE', 'TRANSCRIPTION');

-- CreateEnum
CREATE TYPE "webhook_event" AS ENUM ('CALL_STARTED', 'CALL_ANSWERED', 'CALL_COMPLETED', 'CALL_FAILED', 'SMS_RECEIVED', 'SMS_SENT', 'SMS_DELIVERED', 'SMS_FAILED', 'NUMBER_PURCHASED', 'NUMBER_RELEASED', 'PAYMENT_SUCCEEDED', 'PAYMENT_FAILED', 'INVOICE_CREATED', 'INVOICE_PAID');

-- CreateEnum
CREATE TYPE "delivery_status" AS ENUM ('PENDING', 'DELIVERED', 'FAILED', 'RETRYING', 'ABANDONED');

-- CreateEnum
CREATE TYPE "notification_type" AS ENUM ('SYSTEM', 'BILLING', 'CALL', 'SMS', 'SECURITY', 'MARKETING', 'SUPPORT');

-- CreateEnum
CREATE TYPE "notification_channel" AS ENUM ('EMAIL', 'SMS', 'PUSH', 'IN_APP', 'WEBHOOK');

-- CreateEnum
CREATE TYPE "notification_priority" AS ENUM ('LOW', 'MEDIUM', 'HIGH', 'URGENT');

-- CreateTable
CREATE TABLE "users" (
    "id" TEXT NOT NULL,
    "email" TEXT NOT NULL,
    "password" TEXT NOT NULL,
    "first_name" TEXT NOT NULL,
    "last_name" TEXT NOT NULL,
    "company" TEXT,
    "phone" TEXT,
    "avatar" TEXT,
    "timezone" TEXT NOT NULL DEFAULT 'UTC',
    "language" TEXT NOT NULL DEFAULT 'en',
    "email_verified" BOOLEAN NOT NULL DEFAULT false,
    "email_verification_token" TEXT,
    "email_verification_expires" TIMESTAMP(3),
    "password_reset_token" TEXT,
    "password_reset_expires" TIMESTAMP(3),
    "is_active" BOOLEAN NOT NULL DEFAULT true,
    "is_suspended" BOOLEAN NOT NULL DEFAULT false,
    "suspension_reason" TEXT,
    "last_login_at" TIMESTAMP(3),
    "role" "user_role" NOT NULL DEFAULT 'USER',
    "preferences" JSONB NOT NULL DEFAULT '{}',
    "created_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "users_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "sessions" (
    "id" TEXT NOT NULL,
    "user_id" TEXT NOT NULL,
    "refresh_token" TEXT NOT NULL,
    "access_token" TEXT,
    "expires_at" TIMESTAMP(3) NOT NULL,
    "is_revoked" BOOLEAN NOT NULL DEFAULT false,
    "device_info" JSONB,
    "ip_address" TEXT,
    "user_agent" TEXT,
    "created_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "revoked_at" TIMESTAMP(3),

    CONSTRAINT "sessions_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "api_keys" (
    "id" TEXT NOT NULL,
    "user_id" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "key_hash" TEXT NOT NULL,
    "key_prefix" TEXT NOT NULL,
    "permissions" TEXT[],
    "is_active" BOOLEAN NOT NULL DEFAULT true,
    "expires_at" TIMESTAMP(3),
    "last_used_at" TIMESTAMP(3),
    "usage_count" INTEGER NOT NULL DEFAULT 0,
    "created_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "api_keys_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "numbers" (
    "id" TEXT NOT NULL,
    "phone_number" TEXT NOT NULL,
    "friendly_name" TEXT,
    "country_code" TEXT NOT NULL,
    "region" TEXT,
    "locality" TEXT,
    "postal_code" TEXT,
    "area_code" TEXT,
    "number_type" "number_type" NOT NULL,
    "capabilities" "number_capability"[],
    "twilio_sid" TEXT NOT NULL,
    "twilio_account_sid" TEXT NOT NULL,
    "monthly_price" DECIMAL(12,4) NOT NULL,
    "setup_price" DECIMAL(12,4),
    "currency" TEXT NOT NULL DEFAULT 'USD',
    "voice_url" TEXT,
    "voice_method" "http_method" DEFAULT 'POST',
    "voice_fallback_url" TEXT,
    "voice_fallback_method" "http_method" DEFAULT 'POST',
    "status_callback" TEXT,
    "status_callback_method" "http_method" DEFAULT 'POST',
    "voice_caller_id_lookup" BOOLEAN NOT NULL DEFAULT false,
    "sms_url" TEXT,
    "sms_method" "http_method" DEFAULT 'POST',
    "sms_fallback_url" TEXT,
    "sms_fallback_method" "http_method" DEFAULT 'POST',
    "status" "number_status" NOT NULL DEFAULT 'ACTIVE',
    "purchased_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "released_at" TIMESTAMP(3),
    "user_id" TEXT NOT NULL,
    "order_id" TEXT,
    "total_calls" INTEGER NOT NULL DEFAULT 0,
    "total_sms" INTEGER NOT NULL DEFAULT 0,
    "last_used_at" TIMESTAMP(3),
    "tags" TEXT[] DEFAULT ARRAY[]::TEXT[],
    "notes" TEXT,
    "created_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "numbers_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "number_configurations" (
    "id" TEXT NOT NULL,
    "number_id" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "is_active" BOOLEAN NOT NULL DEFAULT false,
    "schedule_enabled" BOOLEAN NOT NULL DEFAULT false,
    "schedule" JSONB,
    "timezone" TEXT,
    "routing_rules" JSONB NOT NULL,
    "fallback_rules" JSONB,
    "record_calls" BOOLEAN NOT NULL DEFAULT false,
    "call_screening" BOOLEAN NOT NULL DEFAULT false,
    "call_queue" BOOLEAN NOT NULL DEFAULT false,
    "max_queue_size" INTEGER,
    "queue_music" TEXT,
    "conference_enabled" BOOLEAN NOT NULL DEFAULT false,
    "voicemail_enabled" BOOLEAN NOT NULL DEFAULT true,
    "call_forwarding" JSONB,
    "created_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "number_configurations_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "orders" (
    "id" TEXT NOT NULL,
    "order_number" TEXT NOT NULL,
    "user_id" TEXT NOT NULL,
    "status" "order_status" NOT NULL DEFAULT 'PENDING',
    "subtotal_amount" DECIMAL(12,4) NOT NULL,
    "tax_amount" DECIMAL(12,4) NOT NULL DEFAULT 0,
    "discount_amount" DECIMAL(12,4) NOT NULL DEFAULT 0,
    "total_amount" DECIMAL(12,4) NOT NULL,
    "currency" TEXT NOT NULL DEFAULT 'USD',
    "payment_intent_id" TEXT,
    "payment_status" "payment_status" NOT NULL DEFAULT 'PENDING',
    "payment_method" TEXT,
    "payment_processor" TEXT,
    "order_source" TEXT,
    "promotion_code" TEXT,
    "billing_address" JSONB,
    "processed_at" TIMESTAMP(3),
    "completed_at" TIMESTAMP(3),
    "cancelled_at" TIMESTAMP(3),
    "cancellation_reason" TEXT,
    "created_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "orders_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "order_items" (
    "id" TEXT NOT NULL,
    "order_id" TEXT NOT NULL,
    "item_type" "order_item_type" NOT NULL,
    "item_id" TEXT,
    "description" TEXT NOT NULL,
    "quantity" INTEGER NOT NULL DEFAULT 1,
    "unit_price" DECIMAL(12,4) NOT NULL,
    "total_price" DECIMAL(12,4) NOT NULL,
    "metadata" JSONB,
    "created_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "order_items_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "billing_accounts" (
    "id" TEXT NOT NULL,
    "user_id" TEXT NOT NULL,
    "stripe_customer_id" TEXT,
    "paypal_customer_id" TEXT,
    "company" TEXT,
    "tax_id" TEXT,
    "vat_number" TEXT,
    "billing_address" JSONB NOT NULL,
    "account_balance" DECIMAL(12,4) NOT NULL DEFAULT 0,
    "credit_limit" DECIMAL(12,4),
    "currency" TEXT NOT NULL DEFAULT 'USD',
    "auto_pay_enabled" BOOLEAN NOT NULL DEFAULT false,
    "default_payment_method" TEXT,
    "is_active" BOOLEAN NOT NULL DEFAULT true,
    "is_suspended" BOOLEAN NOT NULL DEFAULT false,
    "suspension_reason" TEXT,
    "billing_cycle" "billing_cycle" NOT NULL DEFAULT 'MONTHLY',
    "next_billing_date" TIMESTAMP(3),
    "created_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "billing_accounts_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "payment_methods" (
    "id" TEXT NOT NULL,
    "billing_account_id" TEXT NOT NULL,
    "external_id" TEXT NOT NULL,
    "processor" "payment_processor" NOT NULL,
    "type" "payment_method_type" NOT NULL,
    "last4" TEXT,
    "brand" TEXT,
    "expiry_month" INTEGER,
    "expiry_year" INTEGER,
    "bank_name" TEXT,
    "account_type" TEXT,
    "is_default" BOOLEAN NOT NULL DEFAULT false,
    "is_verified" BOOLEAN NOT NULL DEFAULT false,
    "is_active" BOOLEAN NOT NULL DEFAULT true,
    "created_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "payment_methods_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "invoices" (
    "id" TEXT NOT NULL,
    "invoice_number" TEXT NOT NULL,
    "billing_account_id" TEXT NOT NULL,
    "subtotal_amount" DECIMAL(12,4) NOT NULL,
    "tax_amount" DECIMAL(12,4) NOT NULL DEFAULT 0,
    "discount_amount" DECIMAL(12,4) NOT NULL DEFAULT 0,
    "total_amount" DECIMAL(12,4) NOT NULL,
    "currency" TEXT NOT NULL DEFAULT 'USD',
    "issue_date" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "due_date" TIMESTAMP(3) NOT NULL,
    "paid_date" TIMESTAMP(3),
    "status" "invoice_status" NOT NULL DEFAULT 'DRAFT',
    "period_start" TIMESTAMP(3) NOT NULL,
    "period_end" TIMESTAMP(3) NOT NULL,
    "line_items" JSONB NOT NULL,
    "amount_paid" DECIMAL(12,4) NOT NULL DEFAULT 0,
    "amount_due" DECIMAL(12,4) NOT NULL,
    "notes" TEXT,
    "payment_terms" TEXT,
    "created_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "invoices_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "payments" (
    "id" TEXT NOT NULL,
    "billing_account_id" TEXT NOT NULL,
    "order_id" TEXT,
    "invoice_id" TEXT,
    "payment_method_id" TEXT,
    "amount" DECIMAL(12,4) NOT NULL,
    "currency" TEXT NOT NULL DEFAULT 'USD',
    "status" "payment_status" NOT NULL,
    "processor" "payment_processor" NOT NULL,
    "external_id" TEXT,
    "external_status" TEXT,
    "description" TEXT,
    "failure_reason" TEXT,
    "processor_fee" DECIMAL(12,4),
    "processed_at" TIMESTAMP(3),
    "failed_at" TIMESTAMP(3),
    "refunded_at" TIMESTAMP(3),
    "created_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "payments_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "call_logs" (
    "id" TEXT NOT NULL,
    "user_id" TEXT NOT NULL,
    "number_id" TEXT,
    "twilio_call_sid" TEXT NOT NULL,
    "twilio_account_sid" TEXT NOT NULL,
    "from_number" TEXT NOT NULL,
    "to_number" TEXT NOT NULL,
    "direction" "call_direction" NOT NULL,
    "status" "call_status" NOT NULL,
    "answer_time" TIMESTAMP(3),
    "end_time" TIMESTAMP(3),
    "duration" INTEGER,
    "billable_duration" INTEGER,
    "quality" "call_quality",
    "recording_url" TEXT,
    "recording_sid" TEXT,
    "transcription" TEXT,
    "price" DECIMAL(12,4),
    "price_unit" TEXT,
    "currency" TEXT NOT NULL DEFAULT 'USD',
    "from_city" TEXT,
    "from_state" TEXT,
    "from_country" TEXT,
    "to_city" TEXT,
    "to_state" TEXT,
    "to_country" TEXT,
    "user_agent" TEXT,
    "call_reason" TEXT,
    "tags" TEXT[] DEFAULT ARRAY[]::TEXT[],
    "created_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "call_logs_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "sms_logs" (
    "id" TEXT NOT NULL,
    "number_id" TEXT NOT NULL,
    "twilio_message_sid" TEXT NOT NULL,
    "twilio_account_sid" TEXT NOT NULL,
    "from_number" TEXT NOT NULL,
    "to_number" TEXT NOT NULL,
    "direction" "sms_direction" NOT NULL,
    "body" TEXT NOT NULL,
    "media_urls" TEXT[] DEFAULT ARRAY[]::TEXT[],
    "status" "sms_status" NOT NULL,
    "sent_at" TIMESTAMP(3),
    "delivered_at" TIMESTAMP(3),
    "price" DECIMAL(12,4),
    "currency" TEXT NOT NULL DEFAULT 'USD',
    "error_code" TEXT,
    "error_message" TEXT,
    "created_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "sms_logs_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "usage_records" (
    "id" TEXT NOT NULL,
    "billing_account_id" TEXT NOT NULL,
    "record_type" "usage_type" NOT NULL,
    "resource_id" TEXT,
    "quantity" DECIMAL(10,4) NOT NULL,
    "unit" TEXT NOT NULL,
    "unit_price" DECIMAL(12,4) NOT NULL,
    "total_cost" DECIMAL(12,4) NOT NULL,
    "currency" TEXT NOT NULL DEFAULT 'USD',
    "usage_date" TIMESTAMP(3) NOT NULL,
    "billing_period" TEXT NOT NULL,
    "description" TEXT,
    "metadata" JSONB,
    "created_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "usage_records_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "webhook_endpoints" (
    "id" TEXT NOT NULL,
    "user_id" TEXT NOT NULL,
    "url" TEXT NOT NULL,
    "events" "webhook_event"[],
    "is_active" BOOLEAN NOT NULL DEFAULT true,
    "secret" TEXT NOT NULL,
    "retry_policy" JSONB NOT NULL,
    "timeout" INTEGER NOT NULL DEFAULT 30,
    "last_delivery_at" TIMESTAMP(3),
    "last_status" TEXT,
    "delivery_count" INTEGER NOT NULL DEFAULT 0,
    "failure_count" INTEGER NOT NULL DEFAULT 0,
    "created_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "webhook_endpoints_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "webhook_deliveries" (
    "id" TEXT NOT NULL,
    "webhook_endpoint_id" TEXT NOT NULL,
    "event" "webhook_event" NOT NULL,
    "payload" JSONB NOT NULL,
    "http_status" INTEGER,
    "response_body" TEXT,
    "delivered_at" TIMESTAMP(3),
    "attempt_count" INTEGER NOT NULL DEFAULT 0,
    "next_retry_at" TIMESTAMP(3),
    "status" "delivery_status" NOT NULL DEFAULT 'PENDING',
    "error_message" TEXT,
    "created_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "webhook_deliveries_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "notifications" (
    "id" TEXT NOT NULL,
    "user_id" TEXT NOT NULL,
    "type" "notification_type" NOT NULL,
    "title" TEXT NOT NULL,
    "message" TEXT NOT NULL,
    "channels" "notification_channel"[],
    "is_read" BOOLEAN NOT NULL DEFAULT false,
    "read_at" TIMESTAMP(3),
    "scheduled_for" TIMESTAMP(3),
    "delivered_at" TIMESTAMP(3),
    "priority" "notification_priority" NOT NULL DEFAULT 'MEDIUM',
    "category" TEXT,
    "action_url" TEXT,
    "action_text" TEXT,
    "metadata" JSONB,
    "expires_at" TIMESTAMP(3),
    "created_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "notifications_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "audit_logs" (
    "id" TEXT NOT NULL,
    "user_id" TEXT,
    "action" TEXT NOT NULL,
    "resource" TEXT NOT NULL,
    "resource_id" TEXT,
    "old_values" JSONB,
    "new_values" JSONB,
    "ip_address" TEXT,
    "user_agent" TEXT,
    "endpoint" TEXT,
    "method" TEXT,
    "success" BOOLEAN NOT NULL DEFAULT true,
    "error_message" TEXT,
    "created_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "audit_logs_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "users_email_key" ON "users"("email");

-- CreateIndex
CREATE UNIQUE INDEX "users_email_verification_token_key" ON "users"("email_verification_token");

-- CreateIndex
CREATE UNIQUE INDEX "users_password_reset_token_key" ON "users"("password_reset_token");

-- CreateIndex
CREATE INDEX "users_email_idx" ON "users"("email");

-- CreateIndex
CREATE INDEX "users_is_active_is_suspended_idx" ON "users"("is_active", "is_suspended");

-- CreateIndex
CREATE INDEX "users_created_at_idx" ON "users"("created_at");

-- CreateIndex
CREATE UNIQUE INDEX "sessions_refresh_token_key" ON "sessions"("refresh_token");

-- CreateIndex
CREATE INDEX "sessions_user_id_idx" ON "sessions"("user_id");

-- CreateIndex
CREATE INDEX "sessions_refresh_token_idx" ON "sessions"("refresh_token");

-- CreateIndex
CREATE INDEX "sessions_expires_at_idx" ON "sessions"("expires_at");

-- CreateIndex
CREATE UNIQUE INDEX "api_keys_key_hash_key" ON "api_keys"("key_hash");

-- CreateIndex
CREATE INDEX "api_keys_user_id_idx" ON "api_keys"("user_id");

-- CreateIndex
CREATE INDEX "api_keys_key_hash_idx" ON "api_keys"("key_hash");

-- CreateIndex
CREATE INDEX "api_keys_is_active_idx" ON "api_keys"("is_active");

-- CreateIndex
CREATE UNIQUE INDEX "numbers_phone_number_key" ON "numbers"("phone_number");

-- CreateIndex
CREATE UNIQUE INDEX "numbers_twilio_sid_key" ON "numbers"("twilio_sid");

-- CreateIndex
CREATE INDEX "numbers_user_id_idx" ON "numbers"("user_id");

-- CreateIndex
CREATE INDEX "numbers_phone_number_idx" ON "numbers"("phone_number");

-- CreateIndex
CREATE INDEX "numbers_country_code_area_code_idx" ON "numbers"("country_code", "area_code");

-- CreateIndex
CREATE INDEX "numbers_status_idx" ON "numbers"("status");

-- CreateIndex
CREATE INDEX "numbers_number_type_idx" ON "numbers"("number_type");

-- CreateIndex
CREATE INDEX "numbers_twilio_sid_idx" ON "numbers"("twilio_sid");

-- CreateIndex
CREATE INDEX "idx_numbers_user_status" ON "numbers"("user_id", "status");

-- CreateIndex
CREATE INDEX "idx_numbers_search" ON "numbers"("country_code", "area_code", "number_type", "status");

-- CreateIndex
CREATE INDEX "number_configurations_number_id_idx" ON "number_configurations"("number_id");

-- CreateIndex
CREATE INDEX "number_configurations_is_active_idx" ON "number_configurations"("is_active");

-- CreateIndex
CREATE UNIQUE INDEX "orders_order_number_key" ON "orders"("order_number");

-- CreateIndex
CREATE UNIQUE INDEX "orders_payment_intent_id_key" ON "orders"("payment_intent_id");

-- CreateIndex
CREATE INDEX "orders_user_id_idx" ON "orders"("user_id");

-- CreateIndex
CREATE INDEX "orders_order_number_idx" ON "orders"("order_number");

-- CreateIndex
CREATE INDEX "orders_status_idx" ON "orders"("status");

-- CreateIndex
CREATE INDEX "orders_created_at_idx" ON "orders"("created_at");

-- CreateIndex
CREATE INDEX "idx_orders_user_date" ON "orders"("user_id", "created_at" DESC);

-- CreateIndex
CREATE INDEX "order_items_order_id_idx" ON "order_items"("order_id");

-- CreateIndex
CREATE UNIQUE INDEX "billing_accounts_user_id_key" ON "billing_accounts"("user_id");

-- CreateIndex
CREATE UNIQUE INDEX "billing_accounts_stripe_customer_id_key" ON "billing_accounts"("stripe_customer_id");

-- CreateIndex
CREATE UNIQUE INDEX "billing_accounts_paypal_customer_id_key" ON "billing_accounts"("paypal_customer_id");

-- CreateIndex
CREATE INDEX "billing_accounts_user_id_idx" ON "billing_accounts"("user_id");

-- CreateIndex
CREATE INDEX "billing_accounts_stripe_customer_id_idx" ON "billing_accounts"("stripe_customer_id");

-- CreateIndex
CREATE INDEX "payment_methods_billing_account_id_idx" ON "payment_methods"("billing_account_id");

-- CreateIndex
CREATE INDEX "payment_methods_external_id_idx" ON "payment_methods"("external_id");

-- CreateIndex
CREATE UNIQUE INDEX "invoices_invoice_number_key" ON "invoices"("invoice_number");

-- CreateIndex
CREATE INDEX "invoices_billing_account_id_idx" ON "invoices"("billing_account_id");

-- CreateIndex
CREATE INDEX "invoices_invoice_number_idx" ON "invoices"("invoice_number");

-- CreateIndex
CREATE INDEX "invoices_status_idx" ON "invoices"("status");

-- CreateIndex
CREATE INDEX "invoices_due_date_idx" ON "invoices"("due_date");

-- CreateIndex
CREATE INDEX "payments_billing_account_id_idx" ON "payments"("billing_account_id");

-- CreateIndex
CREATE INDEX "payments_status_idx" ON "payments"("status");

-- CreateIndex
CREATE INDEX "payments_external_id_idx" ON "payments"("external_id");

-- CreateIndex
CREATE INDEX "idx_payments_billing_status" ON "payments"("billing_account_id", "status");

-- CreateIndex
CREATE UNIQUE INDEX "call_logs_twilio_call_sid_key" ON "call_logs"("twilio_call_sid");

-- CreateIndex
CREATE INDEX "call_logs_user_id_idx" ON "call_logs"("user_id");

-- CreateIndex
CREATE INDEX "call_logs_number_id_idx" ON "call_logs"("number_id");

-- CreateIndex
CREATE INDEX "call_logs_twilio_call_sid_idx" ON "call_logs"("twilio_call_sid");

-- CreateIndex
CREATE INDEX "call_logs_direction_idx" ON "call_logs"("direction");

-- CreateIndex
CREATE INDEX "call_logs_status_idx" ON "call_logs"("status");

-- CreateIndex
CREATE INDEX "call_logs_created_at_idx" ON "call_logs"("created_at");

-- CreateIndex
CREATE INDEX "idx_call_logs_number_date" ON "call_logs"("number_id", "created_at" DESC);

-- CreateIndex
CREATE INDEX "idx_call_logs_analytics" ON "call_logs"("user_id", "direction", "status", "created_at");

-- CreateIndex
CREATE UNIQUE INDEX "sms_logs_twilio_message_sid_key" ON "sms_logs"("twilio_message_sid");

-- CreateIndex
CREATE INDEX "sms_logs_number_id_idx" ON "sms_logs"("number_id");

-- CreateIndex
CREATE INDEX "sms_logs_twilio_message_sid_idx" ON "sms_logs"("twilio_message_sid");

-- CreateIndex
CREATE INDEX "sms_logs_direction_idx" ON "sms_logs"("direction");

-- CreateIndex
CREATE INDEX "sms_logs_status_idx" ON "sms_logs"("status");

-- CreateIndex
CREATE INDEX "sms_logs_created_at_idx" ON "sms_logs"("created_at");

-- CreateIndex
CREATE INDEX "usage_records_billing_account_id_idx" ON "usage_records"("billing_account_id");

-- CreateIndex
CREATE INDEX "usage_records_record_type_idx" ON "usage_records"("record_type");

-- CreateIndex
CREATE INDEX "usage_records_usage_date_idx" ON "usage_records"("usage_date");

-- CreateIndex
CREATE INDEX "usage_records_billing_period_idx" ON "usage_records"("billing_period");

-- CreateIndex
CREATE INDEX "idx_usage_records_billing" ON "usage_records"("billing_account_id", "usage_date", "record_type");

-- CreateIndex
CREATE INDEX "webhook_endpoints_user_id_idx" ON "webhook_endpoints"("user_id");

-- CreateIndex
CREATE INDEX "webhook_endpoints_is_active_idx" ON "webhook_endpoints"("is_active");

-- CreateIndex
CREATE INDEX "webhook_deliveries_webhook_endpoint_id_idx" ON "webhook_deliveries"("webhook_endpoint_id");

-- CreateIndex
CREATE INDEX "webhook_deliveries_status_idx" ON "webhook_deliveries"("status");

-- CreateIndex
CREATE INDEX "webhook_deliveries_next_retry_at_idx" ON "webhook_deliveries"("next_retry_at");

-- CreateIndex
CREATE INDEX "notifications_user_id_idx" ON "notifications"("user_id");

-- CreateIndex
CREATE INDEX "notifications_type_idx" ON "notifications"("type");

-- CreateIndex
CREATE INDEX "notifications_is_read_idx" ON "notifications"("is_read");

-- CreateIndex
CREATE INDEX "notifications_scheduled_for_idx" ON "notifications"("scheduled_for");

-- CreateIndex
CREATE INDEX "audit_logs_user_id_idx" ON "audit_logs"("user_id");

-- CreateIndex
CREATE INDEX "audit_logs_action_idx" ON "audit_logs"("action");

-- CreateIndex
CREATE INDEX "audit_logs_resource_idx" ON "audit_logs"("resource");

-- CreateIndex
CREATE INDEX "audit_logs_created_at_idx" ON "audit_logs"("created_at");

-- AddForeignKey
ALTER TABLE "sessions" ADD CONSTRAINT "sessions_user_id_fkey" FOREIGN KEY ("user_id") REFERENCES "users"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "api_keys" ADD CONSTRAINT "api_keys_user_id_fkey" FOREIGN KEY ("user_id") REFERENCES "users"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "numbers" ADD CONSTRAINT "numbers_user_id_fkey" FOREIGN KEY ("user_id") REFERENCES "users"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "numbers" ADD CONSTRAINT "numbers_order_id_fkey" FOREIGN KEY ("order_id") REFERENCES "orders"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "number_configurations" ADD CONSTRAINT "number_configurations_number_id_fkey" FOREIGN KEY ("number_id") REFERENCES "numbers"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "orders" ADD CONSTRAINT "orders_user_id_fkey" FOREIGN KEY ("user_id") REFERENCES "users"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "order_items" ADD CONSTRAINT "order_items_order_id_fkey" FOREIGN KEY ("order_id") REFERENCES "orders"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "billing_accounts" ADD CONSTRAINT "billing_accounts_user_id_fkey" FOREIGN KEY ("user_id") REFERENCES "users"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "payment_methods" ADD CONSTRAINT "payment_methods_billing_account_id_fkey" FOREIGN KEY ("billing_account_id") REFERENCES "billing_accounts"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "invoices" ADD CONSTRAINT "invoices_billing_account_id_fkey" FOREIGN KEY ("billing_account_id") REFERENCES "billing_accounts"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "payments" ADD CONSTRAINT "payments_billing_account_id_fkey" FOREIGN KEY ("billing_account_id") REFERENCES "billing_accounts"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "payments" ADD CONSTRAINT "payments_order_id_fkey" FOREIGN KEY ("order_id") REFERENCES "orders"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "payments" ADD CONSTRAINT "payments_invoice_id_fkey" FOREIGN KEY ("invoice_id") REFERENCES "invoices"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "payments" ADD CONSTRAINT "payments_payment_method_id_fkey" FOREIGN KEY ("payment_method_id") REFERENCES "payment_methods"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "call_logs" ADD CONSTRAINT "call_logs_user_id_fkey" FOREIGN KEY ("user_id") REFERENCES "users"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "call_logs" ADD CONSTRAINT "call_logs_number_id_fkey" FOREIGN KEY ("number_id") REFERENCES "numbers"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "sms_logs" ADD CONSTRAINT "sms_logs_number_id_fkey" FOREIGN KEY ("number_id") REFERENCES "numbers"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "usage_records" ADD CONSTRAINT "usage_records_billing_account_id_fkey" FOREIGN KEY ("billing_account_id") REFERENCES "billing_accounts"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "webhook_endpoints" ADD CONSTRAINT "webhook_endpoints_user_id_fkey" FOREIGN KEY ("user_id") REFERENCES "users"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "webhook_deliveries" ADD CONSTRAINT "webhook_deliveries_webhook_endpoint_id_fkey" FOREIGN KEY ("webhook_endpoint_id") REFERENCES "webhook_endpoints"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "notifications" ADD CONSTRAINT "notifications_user_id_fkey" FOREIGN KEY ("user_id") REFERENCES "users"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "audit_logs" ADD CONSTRAINT "audit_logs_user_id_fkey" FOREIGN KEY ("user_id") REFERENCES "users"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- ============================================================================
-- Written by hand: what Prisma's schema language cannot express, from the seed's
-- section 5. (Its other section 5.1 indexes are declared in schema.prisma under the
-- seed's names and created above.) Plain CREATE INDEX rather than the seed's
-- CONCURRENTLY: a migration runs inside a transaction, and the tables are empty here.
-- ============================================================================

-- Partial indexes
CREATE INDEX idx_users_email_active ON users(email) WHERE is_active = true;
CREATE INDEX idx_sessions_active ON sessions(user_id, expires_at) WHERE is_revoked = false;
CREATE INDEX idx_webhooks_pending ON webhook_deliveries(webhook_endpoint_id, next_retry_at) WHERE status = 'PENDING';

-- Check constraints for data integrity
ALTER TABLE numbers ADD CONSTRAINT chk_phone_number_format
  CHECK (phone_number ~ '^\+[1-9]\d{1,14}$');

ALTER TABLE users ADD CONSTRAINT chk_email_format
  CHECK (email ~ '^[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}$');

ALTER TABLE orders ADD CONSTRAINT chk_total_amount_positive
  CHECK (total_amount >= 0);

ALTER TABLE call_logs ADD CONSTRAINT chk_duration_positive
  CHECK (duration IS NULL OR duration >= 0);

-- The seed's fk_numbers_user and fk_sessions_user are not added: Prisma created
-- numbers_user_id_fkey and sessions_user_id_fkey above, and a second foreign key on the
-- same column would contradict the first. Their ON DELETE behaviour is decided in
-- schema.prisma instead: sessions cascade with their user, as the seed says; numbers
-- RESTRICT the deletion of a user who still has numbers (the comment on Number.user
-- says why the seed's CASCADE was not kept).

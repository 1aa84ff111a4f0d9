-- The ingest pipeline bills each call and each message exactly once, however often its
-- events are delivered (Twilio repeats callbacks; the stream re-delivers after a crash). It
-- inserts usage with ON CONFLICT (record_type, resource_id) DO NOTHING, and this index is the
-- conflict it relies on: one VOICE_MINUTES row per CallSid, one SMS_MESSAGE / MMS_MESSAGE row
-- per MessageSid.
--
-- Partial on purpose: other usage types reuse a resource id across billing periods (a
-- PHONE_NUMBER fee is a number id every month; RECORDING_STORAGE a recording sid every month),
-- so a unique (record_type, resource_id) over all rows would forbid legitimate records.
-- Prisma's schema language cannot express a partial index, so it lives here only (and
-- `npm run db:diff` does not report it).
CREATE UNIQUE INDEX usage_records_event_resource_key
  ON usage_records(record_type, resource_id)
  WHERE record_type IN ('VOICE_MINUTES', 'SMS_MESSAGE', 'MMS_MESSAGE');

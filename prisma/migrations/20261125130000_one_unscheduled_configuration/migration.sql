-- ROUTING.md section 1: a number has at most one active configuration without a schedule (it is
-- the one used whenever no scheduled configuration matches). The API answers 409 for a second;
-- this partial unique index makes that hold under concurrent writes too. Prisma's schema
-- language cannot express a partial index, so it lives here only.
CREATE UNIQUE INDEX number_configurations_one_unscheduled_active
  ON number_configurations(number_id)
  WHERE is_active AND NOT schedule_enabled;

-- Aurora after the full load, ready to migrate: every table keyed (schema.sql keeps two without, for the
-- gates' own tests) and the loopback control schema in place.
ALTER TABLE public.audit_log ADD COLUMN id bigserial PRIMARY KEY;
ALTER TABLE public.loose_unique ALTER COLUMN code SET NOT NULL;
CREATE SCHEMA awsdms_loopback;

ALTER TABLE refresh_families DROP COLUMN dpop_jkt;
ALTER TABLE authorization_codes DROP COLUMN dpop_jkt;
ALTER TABLE clients DROP COLUMN dpop_bound;
DROP TABLE one_time_ids;

DROP INDEX device_authorizations_user_id;
DROP INDEX authorization_codes_user_id;
DROP INDEX refresh_families_user_id;
DROP INDEX sessions_user_id;
DROP TABLE app_revocations;

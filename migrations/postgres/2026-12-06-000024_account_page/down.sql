DROP INDEX refresh_families_user_id;
DROP INDEX sessions_user_id;
DROP TABLE app_revocations;

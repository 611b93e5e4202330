DROP INDEX refresh_families_client_id;
DROP INDEX authorization_codes_client_id;
DROP INDEX pending_authorizations_client_id;
DROP INDEX resource_consents_client_id;
DROP INDEX consents_client_id;
DROP INDEX clients_origin_created_at;
ALTER TABLE clients DROP COLUMN origin;

-- Who registered a client: an operator ('registered'), or the metadata
-- document at its URL id ('metadata_document'). Self-asserted clients are
-- always asked about on the consent page (docs/SECURITY.md § Dynamic and
-- metadata-document clients).
ALTER TABLE clients ADD COLUMN origin TEXT NOT NULL DEFAULT 'registered';

-- The janitor sweeps metadata-document clients nobody approved, and each
-- deletion cascades: these indexes keep the sweep and its cascades from
-- scanning whole tables.
CREATE INDEX clients_origin_created_at ON clients (origin, created_at);
CREATE INDEX consents_client_id ON consents (client_id);
CREATE INDEX resource_consents_client_id ON resource_consents (client_id);
CREATE INDEX pending_authorizations_client_id ON pending_authorizations (client_id);
CREATE INDEX authorization_codes_client_id ON authorization_codes (client_id);
CREATE INDEX refresh_families_client_id ON refresh_families (client_id);

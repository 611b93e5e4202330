-- Who registered a client: an operator ('registered'), or the metadata
-- document at its URL id ('metadata_document'). Self-asserted clients are
-- always asked about on the consent page (docs/SECURITY.md § Dynamic and
-- metadata-document clients).
ALTER TABLE clients ADD COLUMN origin TEXT NOT NULL DEFAULT 'registered';

ALTER TABLE clients DROP COLUMN origin;

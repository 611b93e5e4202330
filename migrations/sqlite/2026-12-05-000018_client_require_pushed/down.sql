ALTER TABLE clients DROP COLUMN require_pushed_requests;

ALTER TABLE clients DROP COLUMN resources;
DROP TABLE resources;

DROP TABLE login_attempts;
DROP TABLE pending_authorizations;
DROP TABLE sessions;

DROP TABLE client_registrations;

DROP TABLE pushed_requests;

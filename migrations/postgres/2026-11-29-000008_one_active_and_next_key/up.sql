-- At most one active and one next key per algorithm: two instances starting on
-- an empty table cannot both create them (the second insert is a conflict,
-- and that instance uses the first one's keys).
CREATE UNIQUE INDEX signing_keys_one_per_state ON signing_keys (alg, state) WHERE state IN ('active', 'next');

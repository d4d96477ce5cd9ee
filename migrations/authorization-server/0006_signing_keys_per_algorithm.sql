-- Each signature algorithm (EdDSA, RS256) has its own chain of keys: two
-- keys may activate in the same second if their algorithms differ, and a
-- rotation retires only keys of its own algorithm.
DROP INDEX signing_keys_active_from;
CREATE UNIQUE INDEX signing_keys_algorithm_active_from ON signing_keys (algorithm, active_from);

-- The replay sample: a bounded, sampled copy of the raw requests per model, replayed against a
-- candidate by `lockstep replay`. The body is the JSON text as received or an image in base64.
CREATE TABLE IF NOT EXISTS {database}.lockstep_replay
(
    time DateTime('UTC'),
    time_ms UInt16,
    request_id String,
    model String,
    version String,
    sha256 String,
    route String,
    kind String,
    body String
)
ENGINE = MergeTree()
PARTITION BY toYYYYMMDD(time)
ORDER BY (model, sha256, time)

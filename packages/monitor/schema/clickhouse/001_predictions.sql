-- The prediction log (ClickHouse 18.16 and later: no DateTime64 or Map, so milliseconds and
-- features are columns of their own). One row per logged prediction.
CREATE TABLE IF NOT EXISTS {database}.lockstep_predictions
(
    time DateTime('UTC'),
    time_ms UInt16,
    request_id String,
    model String,
    version String,
    sha256 String,
    features Nested(name String, value Float64),
    categories Nested(name String, value String),
    prediction_values Nested(name String, value Float64),
    prediction_labels Nested(name String, value String),
    latency_ms Float64,
    cached UInt8
)
ENGINE = MergeTree()
PARTITION BY toYYYYMMDD(time)
ORDER BY (model, sha256, time)

package omni.ingest;

/** What became of a whole request body; per-item problems are item results, not outcomes. */
public enum IngestOutcome {
    /** The batch holds every item; bad ones are MALFORMED. */
    OK,
    /** Not a JSON object, array or NDJSON stream, or broken syntax that hides where items end: HTTP 400. */
    UNPARSEABLE,
    /** More than TransferBatch.ITEM_COUNT_MAX items: HTTP 413. */
    TOO_MANY_ITEMS
}

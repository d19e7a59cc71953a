public import ApexMigrations

/// The embedded store's schema: every version, in order.
///
/// Each migration is a file in this folder named `V<version>_<Name>.swift`.
/// Never edit one that has shipped: the runner reports the changed checksum.
/// Add a new version instead.
public enum SQLiteMigrations {
    public static let all: [Migration] = [
        v0001TemporalRecords,
        v0002StoreWatermark,
        v0003Documents,
        v0004VectorGeneration,
        v0005SagaLog,
        v0006IdempotencyKeys,
        v0007VectorCollections,
        v0008CollectionVectorsRowid,
        v0009MoveState,
    ]
}

public import ApexCore
public import ApexEngine
public import ApexMigrations
public import ApexPorts
public import Testing

/// A fresh, empty store of the adapter under test, seen through everything the suite checks:
/// the memory, documents with the adapter's own vector store, and its schema migrations.
public struct AdapterUnderTest: Sendable {
    public let memory: MemoryService
    public let documents: DocumentService
    public let migrations: AnyMigrationRunner
    /// The same store opened again, as after a restart, with documents embedded by `embedder`.
    public let reopen: @Sendable (_ embedder: FeatureHashingEmbedder) async throws -> AdapterUnderTest

    public init(
        memory: MemoryService, documents: DocumentService, migrations: AnyMigrationRunner,
        reopen: @escaping @Sendable (_ embedder: FeatureHashingEmbedder) async throws -> AdapterUnderTest
    ) {
        self.memory = memory
        self.documents = documents
        self.migrations = migrations
        self.reopen = reopen
    }

    /// The store behind the memory.
    public var store: any TemporalStore { memory.store }
}

/// Makes a fresh adapter under test with documents embedded by the suite's embedder.
public typealias AdapterFactory = @Sendable () async throws -> AdapterUnderTest

/// One adapter-level rule (search, migrations), checked against any adapter.
public struct AdapterConformanceCase: Sendable, CustomTestStringConvertible {
    public let name: String
    public let body: @Sendable (AdapterFactory) async throws -> Void

    public init(_ name: String, _ body: @escaping @Sendable (AdapterFactory) async throws -> Void) {
        self.name = name
        self.body = body
    }

    public var testDescription: String { name }
}

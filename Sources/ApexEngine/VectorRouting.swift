public import ApexPorts

/// The embedder and vector index that searches and document writes go to now.
public struct VectorRoute: Sendable {
    /// The collection version it serves (0 when the store keeps no versions).
    public let version: Int
    public let embedder: any Embedder
    public let vectors: any VectorStore
    /// Saves what the index keeps in memory (the embedded index's file); called when the route is left and at exit.
    public let flush: @Sendable () async throws -> Void

    public init(version: Int, embedder: any Embedder, vectors: any VectorStore, flush: @escaping @Sendable () async throws -> Void = {}) {
        self.version = version
        self.embedder = embedder
        self.vectors = vectors
        self.flush = flush
    }
}

/// Picks the ``VectorRoute``: the alias through which searches reach the live collection version (docs/vectors.md).
public protocol VectorRouter: Sendable {
    /// The route now; with `refresh`, after looking at the store's live version (a write found the store's embedder
    /// changed).
    func route(refresh: Bool) async throws -> VectorRoute
}

/// One route for the whole life of the process (a store without collection versions, tests).
public struct FixedVectorRouter: VectorRouter {
    public let fixed: VectorRoute

    public init(_ route: VectorRoute) {
        fixed = route
    }

    public func route(refresh: Bool) async throws -> VectorRoute { fixed }
}

/// Follows the store's live collection version: at most once a second it looks whether another process (`apex
/// vectors migrate`) swapped the alias, and if so prepares the new version's route in the background while searches
/// go on through the old one, then switches. The old version's index stays valid for its own vectors, so no search
/// fails or mixes the two.
public actor LiveVersionRouter: VectorRouter {
    private let live: @Sendable () async throws -> VectorCollectionVersion
    private let make: @Sendable (VectorCollectionVersion) async throws -> VectorRoute
    private var current: VectorRoute?
    private var checkedAt: ContinuousClock.Instant = .now
    private var switching = false
    private let interval: Duration

    /// - Parameters:
    ///   - live: the store's live version now.
    ///   - make: the route of a version, its index loaded (or built) before it returns.
    public init(
        interval: Duration = .seconds(1), live: @escaping @Sendable () async throws -> VectorCollectionVersion,
        make: @escaping @Sendable (VectorCollectionVersion) async throws -> VectorRoute
    ) {
        self.interval = interval
        self.live = live
        self.make = make
    }

    public func route(refresh: Bool) async throws -> VectorRoute {
        guard let current else {
            let first = try await make(try await live())
            if let raced = self.current { return raced }
            self.current = first
            checkedAt = .now
            return first
        }
        if refresh {
            let version = try await live()
            guard version.version != current.version else { return current }
            let next = try await make(version)
            try? await self.current?.flush()
            self.current = next
            return next
        }
        if !switching, ContinuousClock.now - checkedAt >= interval {
            checkedAt = .now
            switching = true
            Task { await self.switchIfMoved() }
        }
        return current
    }

    /// Saves the current route's index.
    public func flush() async throws {
        try await current?.flush()
    }

    private func switchIfMoved() async {
        defer { switching = false }
        guard let version = try? await live(), version.version != current?.version, let next = try? await make(version) else { return }
        try? await current?.flush()
        current = next
    }
}

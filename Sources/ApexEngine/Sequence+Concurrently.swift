extension Sequence where Element: Sendable {
    /// `transform` applied to every element, at most `width` at a time; the results in the order they finish.
    ///
    /// For batches of independent reads (a traversal level's cached snapshots, warming the cache) that should
    /// overlap their round trips without opening as many as there are elements.
    func mapConcurrently<T: Sendable>(width: Int, _ transform: @escaping @Sendable (Element) async throws -> T) async throws -> [T] {
        try await withThrowingTaskGroup(of: T.self) { group in
            var next = makeIterator()
            var results: [T] = []
            func addOne() -> Bool {
                guard let element = next.next() else { return false }
                group.addTask { try await transform(element) }
                return true
            }
            for _ in 0..<Swift.max(1, width) where addOne() {}
            while let result = try await group.next() {
                results.append(result)
                _ = addOne()
            }
            return results
        }
    }
}

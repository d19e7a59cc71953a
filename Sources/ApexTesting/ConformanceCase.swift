public import ApexEngine
public import Testing

/// Makes a fresh, empty memory on the adapter under test.
public typealias ServiceFactory = @Sendable () async throws -> MemoryService

/// One rule of the spec, checked against any adapter.
///
/// Adapters run every case of ``ConformanceSuite/cases`` with
/// `@Test(arguments: ConformanceSuite.cases)`, giving each a factory for
/// fresh memories on their store; an adapter is done when all pass against
/// the real server.
public struct ConformanceCase: Sendable, CustomTestStringConvertible {
    public let name: String
    public let body: @Sendable (ServiceFactory) async throws -> Void

    public init(_ name: String, _ body: @escaping @Sendable (ServiceFactory) async throws -> Void) {
        self.name = name
        self.body = body
    }

    public var testDescription: String { name }
}

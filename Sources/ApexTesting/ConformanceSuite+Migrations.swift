import ApexCore
import ApexEngine
import ApexMigrations
import Foundation
import Testing

/// Schema migrations, checked on any adapter: every store's schema is its versioned migrations, and nothing else.
extension ConformanceSuite {
    static let migrationCases: [AdapterConformanceCase] = [
        AdapterConformanceCase("a new store has every migration applied, each once, in order") { make in
            let rows = try await make().migrations.status()
            #expect(!rows.isEmpty)
            #expect(rows.allSatisfy { $0.state == .applied })
            #expect(rows.map(\.version) == rows.map(\.version).sorted())
            #expect(Set(rows.map(\.version)).count == rows.count)
        },
        AdapterConformanceCase("migrating down to 0 and up again gives a store that works, and up twice does nothing") { make in
            let adapter = try await make()
            let versions = try await adapter.migrations.status().map(\.version)
            let down = try await adapter.migrations.down(0)
            #expect(down.map(\.version) == versions.reversed())
            #expect(try await adapter.migrations.status().allSatisfy { $0.state == .pending })
            let up = try await adapter.migrations.up(nil)
            #expect(up.map(\.version) == versions)
            #expect(try await adapter.migrations.up(nil).isEmpty)
            let reopened = try await adapter.reopen(embedder)
            try await reopened.memory.ingest(lines: mixedHistory)
            #expect(try await reopened.memory.value(of: tractor, "current_miles", at: "2025-03-02T00:00:00Z") == 440_120)
            _ = try await reopened.documents.save(DocumentInput(title: "Invoice", content: invoiceNote))
            #expect(try await reopened.documents.search("ACME", mode: .hybrid, limit: 3).isEmpty == false)
        },
        AdapterConformanceCase("rolling back one version and re-applying it touches only that version") { make in
            let adapter = try await make()
            let before = try await adapter.migrations.status()
            let newest = try #require(before.last?.version)
            let down = try await adapter.migrations.down(nil)
            #expect(down.map(\.version) == [newest])
            let middle = try await adapter.migrations.status()
            #expect(middle.filter { $0.state == .pending }.map(\.version) == [newest])
            #expect(try await adapter.migrations.up(nil).map(\.version) == [newest])
            let after = try await adapter.migrations.status()
            #expect(after.map(\.version) == before.map(\.version))
            #expect(after.allSatisfy { $0.state == .applied })
            // The versions that stayed keep their history rows untouched.
            #expect(after.dropLast().map(\.applied) == before.dropLast().map(\.applied))
        },
        AdapterConformanceCase("migrating up to a version that does not exist is refused and changes nothing") { make in
            let adapter = try await make()
            let before = try await adapter.migrations.status()
            await #expect(throws: MigrationError.self) { try await adapter.migrations.up(9_999) }
            #expect(try await adapter.migrations.status() == before)
        },
    ]
}

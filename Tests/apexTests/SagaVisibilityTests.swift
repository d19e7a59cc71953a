import ApexCore
import ApexTesting
import Foundation
import Testing

/// What readers see while an ingest across the record store and FalkorDB is between its steps: the answers before the
/// file until the record store's transaction, then those after it; never the graph's half.
@Suite struct SagaVisibilityTests {
    typealias F = SpecFixtures

    @Test(arguments: VerifyCommandTests.recordStores)
    func readersSeeNothingOfAWriteStoppedAfterItsGraphStep(_ records: String) async throws {
        let (stores, _) = try await VerifyCommandTests.freshStores(records)
        let ontology = try F.writeTemporaryFile([F.ontology], name: "ontology.yaml")
        #expect(try SagaFaultTests.apex(["ingest", try F.writeTemporaryFile(SagaFixtures.before), "--ontology", ontology] + stores).status == 0)
        let before = try SagaFaultTests.answers(stores)

        // The write stops for a while right after the graph holds its facts, ends and nodes.
        let writer = Process()
        writer.executableURL = try ApexBinary.url()
        writer.arguments = ["ingest", try F.writeTemporaryFile(SagaFixtures.write)] + stores
        writer.environment = ApexBinary.environment.merging(["APEX_FAULT_PAUSE_AT": "ingest.graph", "APEX_FAULT_PAUSE_SECONDS": "8"]) { _, new in new }
        let err = Pipe()
        writer.standardError = err
        writer.standardOutput = FileHandle.nullDevice
        try writer.run()
        var said = ""
        while !said.contains("paused at ingest.graph") && writer.isRunning {
            let chunk = err.fileHandleForReading.availableData
            if chunk.isEmpty { break }
            said += String(decoding: chunk, as: UTF8.self)
        }
        #expect(said.contains("paused at ingest.graph"), "\(said)")
        let during = try SagaFaultTests.answers(stores)
        #expect(during == before, "a reader saw part of a write stopped after its graph step")
        writer.waitUntilExit()
        #expect(writer.terminationStatus == 0)
        let after = try SagaFaultTests.answers(stores)
        #expect(after != before)
    }
}

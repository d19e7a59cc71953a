import ApexCore
public import ApexPorts
import Foundation
import Logging
import PostgresNIO

extension PostgresStore {
    public func ingest(_ request: IngestRequest) async throws -> IngestSummary {
        let logger = self.logger
        do {
            return try await lease.inTransaction(logger: logger) { connection in
                if let ontology = request.ontology {
                    try await connection.run(
                        """
                        INSERT INTO ontology (id, name, version, source) VALUES (1, \(ontology.ontology.name), \(Int32(ontology.ontology.version)), \(ontology.source))
                        ON CONFLICT (id) DO UPDATE SET name = excluded.name, version = excluded.version, source = excluded.source, stored_at = now()
                        """, logger: logger)
                }
                let writer = PostgresRecordWriter(
                    connection: connection, identities: request.identities, includesFacts: request.includesFacts, logger: logger)
                try await writer.registerNewEntities()
                let source = try request.makeSource()
                var accepted = 0
                while let item = try source.next() {
                    try await writer.add(item)
                    accepted += 1
                }
                try await writer.finish()
                if let commit = request.sagaCommit {
                    let noted = try await connection.run(
                        """
                        UPDATE sagas SET steps_done = \(SagaSteps.encode(commit.stepsDone)), updated_at = \(commit.at.microseconds)
                        WHERE id = \(commit.id.uuid) AND owner = \(commit.owner.description) AND state = 'running' RETURNING id
                        """, logger: logger)
                    guard !noted.isEmpty else { throw SagaTakenOver(id: commit.id) }
                }
                return IngestSummary(accepted: accepted, newEntities: request.identities.new.count)
            }
        } catch let error as PSQLError {
            throw PostgresStoreError.queryFailed(reason: PostgresStoreError.reason(error))
        }
    }
}

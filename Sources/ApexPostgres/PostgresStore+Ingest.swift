import ApexCore
public import ApexPorts
import Foundation
import Logging
import PostgresNIO

extension PostgresStore {
    public func ingest(ontology: StoredOntology?, _ makeSource: @escaping @Sendable () throws -> any RecordSource) async throws -> IngestSummary {
        let ids = self.ids
        let logger = self.logger
        do {
            return try await lease.inTransaction(logger: logger) { connection in
                if let ontology {
                    try await connection.run(
                        """
                        INSERT INTO ontology (id, name, version, source) VALUES (1, \(ontology.ontology.name), \(Int32(ontology.ontology.version)), \(ontology.source))
                        ON CONFLICT (id) DO UPDATE SET name = excluded.name, version = excluded.version, source = excluded.source, stored_at = now()
                        """, logger: logger)
                }
                let writer = PostgresRecordWriter(connection: connection, ids: ids, logger: logger)
                let source = try makeSource()
                var accepted = 0
                while let item = try source.next() {
                    try await writer.add(item)
                    accepted += 1
                }
                try await writer.finish()
                return IngestSummary(accepted: accepted, newEntities: writer.newEntities)
            }
        } catch let error as PSQLError {
            throw PostgresStoreError.queryFailed(reason: PostgresStoreError.reason(error))
        }
    }
}

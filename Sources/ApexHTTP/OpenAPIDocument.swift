/// The OpenAPI 3.1 description of the HTTP API, served at `/openapi.yaml`.
///
/// Kept beside the routes it describes; schemathesis checks the live server against it in the test command.
public enum OpenAPIDocument {
    public static let yaml = """
        openapi: 3.1.0
        info:
          title: ApexMemory
          version: 0.1.0
          description: |
            A temporal knowledge memory: what was true at T, as known at T2.
            Times are RFC 3339; query parameters also accept a bare date (its midnight UTC).
        servers:
          - url: /
        paths:
          /api/v1/ontology:
            get:
              operationId: getOntology
              summary: The ontology in force.
              responses:
                "503": {$ref: "#/components/responses/Error"}
                "200": {description: The ontology, in the shape of its YAML., content: {application/json: {schema: {$ref: "#/components/schemas/Ontology"}}}}
                "404": {$ref: "#/components/responses/Error"}
            put:
              operationId: putOntology
              summary: Set or replace the ontology; refused when stored data would not fit it.
              parameters: [{$ref: "#/components/parameters/IdempotencyKey"}]
              requestBody:
                required: true
                content:
                  application/yaml: {schema: {type: string}}
                  application/json: {schema: {type: object}}
              responses:
                "503": {$ref: "#/components/responses/Error"}
                "200": {description: The ontology now in force., content: {application/json: {schema: {$ref: "#/components/schemas/Ontology"}}}}
                "400": {$ref: "#/components/responses/Error"}
                "422": {$ref: "#/components/responses/Error"}
                "409": {$ref: "#/components/responses/Error"}
                "413": {$ref: "#/components/responses/Error"}
                "415": {$ref: "#/components/responses/Error"}
          /api/v1/records:
            post:
              operationId: postRecords
              summary: Ingest records, all or nothing.
              parameters: [{$ref: "#/components/parameters/IdempotencyKey"}]
              requestBody:
                required: true
                content:
                  application/x-ndjson: {schema: {type: string}}
                  application/json: {schema: {type: array, items: {type: object}}}
              responses:
                "503": {$ref: "#/components/responses/Error"}
                "200": {description: Every record was stored., content: {application/json: {schema: {$ref: "#/components/schemas/Accepted"}}}}
                "400": {$ref: "#/components/responses/Error"}
                "422": {$ref: "#/components/responses/Error"}
                "409": {$ref: "#/components/responses/Error"}
                "413": {$ref: "#/components/responses/Error"}
                "415": {$ref: "#/components/responses/Error"}
          /api/v1/entities/{type}/{key}/state:
            get:
              operationId: getState
              summary: Properties and relations at a valid time, as known at a transaction time.
              parameters:
                - {$ref: "#/components/parameters/Type"}
                - {$ref: "#/components/parameters/Key"}
                - {name: at, in: query, schema: {type: string, format: date-time}, example: "2025-03-02T00:00:00Z", description: Valid time (default now).}
                - {name: known_at, in: query, schema: {type: string, format: date-time}, description: Transaction time (default now).}
              responses:
                "503": {$ref: "#/components/responses/Error"}
                "200": {description: The state., content: {application/json: {schema: {$ref: "#/components/schemas/State"}}}}
                "400": {$ref: "#/components/responses/Error"}
                "404": {$ref: "#/components/responses/Error"}
                "409": {$ref: "#/components/responses/Error"}
          /api/v1/entities/{type}/{key}/timeline:
            get:
              operationId: getTimeline
              summary: The timeline of one property.
              parameters:
                - {$ref: "#/components/parameters/Type"}
                - {$ref: "#/components/parameters/Key"}
                - {name: property, in: query, required: true, schema: {type: string}, example: status}
                - {name: from, in: query, schema: {type: string, format: date-time}}
                - {name: to, in: query, schema: {type: string, format: date-time}}
                - {name: known_at, in: query, schema: {type: string, format: date-time}}
              responses:
                "503": {$ref: "#/components/responses/Error"}
                "200": {description: The timeline., content: {application/json: {schema: {$ref: "#/components/schemas/Timeline"}}}}
                "400": {$ref: "#/components/responses/Error"}
                "404": {$ref: "#/components/responses/Error"}
                "409": {$ref: "#/components/responses/Error"}
          /api/v1/entities/{type}/{key}/history:
            get:
              operationId: getHistory
              summary: Every property event and relation interval, in valid-time order.
              parameters:
                - {$ref: "#/components/parameters/Type"}
                - {$ref: "#/components/parameters/Key"}
                - {name: known_at, in: query, schema: {type: string, format: date-time}}
              responses:
                "503": {$ref: "#/components/responses/Error"}
                "200": {description: The history., content: {application/json: {schema: {$ref: "#/components/schemas/History"}}}}
                "400": {$ref: "#/components/responses/Error"}
                "404": {$ref: "#/components/responses/Error"}
                "409": {$ref: "#/components/responses/Error"}
          /api/v1/entities/{type}/{key}/neighbors:
            get:
              operationId: getNeighbors
              summary: The entities linked to this one at a time, as known at another, within depth hops.
              description: >-
                Each hop follows only relation instances valid at `at` as known at `known_at` (explicit ends and
                cardinality supersession apply). Every neighbour appears once, at its smallest depth, with the entity
                it was reached from and the relation that links them.
              parameters:
                - {$ref: "#/components/parameters/Type"}
                - {$ref: "#/components/parameters/Key"}
                - {name: at, in: query, schema: {type: string, format: date-time}, description: Valid time (default now).}
                - {name: known_at, in: query, schema: {type: string, format: date-time}, description: Transaction time (default now).}
                - {name: depth, in: query, schema: {type: integer, minimum: 1, maximum: 5, default: 1}}
                - {name: relation, in: query, schema: {type: string}, description: "A relation type to follow (repeatable or comma-separated; default all)."}
                - {name: direction, in: query, schema: {type: string, enum: [outgoing, incoming, both], default: both}}
              responses:
                "503": {$ref: "#/components/responses/Error"}
                "200": {description: The neighbours., content: {application/json: {schema: {$ref: "#/components/schemas/Neighbors"}}}}
                "400": {$ref: "#/components/responses/Error"}
                "404": {$ref: "#/components/responses/Error"}
                "409": {$ref: "#/components/responses/Error"}
          /api/v1/entities/{type}/{key}/relations:
            get:
              operationId: getRelationsBetween
              summary: Every relation instance between this entity and another, in either direction, with when and why each ended.
              parameters:
                - {$ref: "#/components/parameters/Type"}
                - {$ref: "#/components/parameters/Key"}
                - {name: with, in: query, required: true, schema: {type: string, minLength: 1}, description: "The other entity as TYPE/KEY.", example: Tractor/6520}
                - {name: known_at, in: query, schema: {type: string, format: date-time}, description: Transaction time (default now).}
              responses:
                "503": {$ref: "#/components/responses/Error"}
                "200": {description: The relations between the two., content: {application/json: {schema: {$ref: "#/components/schemas/RelationsBetween"}}}}
                "400": {$ref: "#/components/responses/Error"}
                "404": {$ref: "#/components/responses/Error"}
                "409": {$ref: "#/components/responses/Error"}
          /api/v1/entities/{id}:
            get:
              operationId: getEntityByID
              summary: The current state of the entity with this id.
              parameters: [{$ref: "#/components/parameters/ID"}]
              responses:
                "503": {$ref: "#/components/responses/Error"}
                "200": {description: The state now., content: {application/json: {schema: {$ref: "#/components/schemas/State"}}}}
                "400": {$ref: "#/components/responses/Error"}
                "404": {$ref: "#/components/responses/Error"}
                "409": {$ref: "#/components/responses/Error"}
          /api/v1/entities/{id}/state:
            get:
              operationId: getEntityStateByID
              summary: The state of the entity with this id at a time (known now).
              parameters:
                - {$ref: "#/components/parameters/ID"}
                - {name: timestamp, in: query, schema: {type: string, format: date-time}, description: Valid time (default now).}
              responses:
                "503": {$ref: "#/components/responses/Error"}
                "200": {description: The state., content: {application/json: {schema: {$ref: "#/components/schemas/State"}}}}
                "400": {$ref: "#/components/responses/Error"}
                "404": {$ref: "#/components/responses/Error"}
                "409": {$ref: "#/components/responses/Error"}
          /api/v1/entities/{id}/history:
            get:
              operationId: getEntityHistoryByID
              summary: Every property event and relation interval of the entity with this id.
              parameters:
                - {$ref: "#/components/parameters/ID"}
                - {name: known_at, in: query, schema: {type: string, format: date-time}}
              responses:
                "503": {$ref: "#/components/responses/Error"}
                "200": {description: The history., content: {application/json: {schema: {$ref: "#/components/schemas/History"}}}}
                "400": {$ref: "#/components/responses/Error"}
                "404": {$ref: "#/components/responses/Error"}
                "409": {$ref: "#/components/responses/Error"}
          /api/v1/temporal/entities/at-time:
            get:
              operationId: searchAtTime
              summary: Entities whose key or a string property contains the query and that existed at the reference time, with their state then.
              parameters:
                - {name: query, in: query, required: true, schema: {type: string, minLength: 1}, example: robert}
                - {name: reference_time, in: query, schema: {type: string, format: date-time}, example: "2025-03-01T00:00:00Z"}
                - {name: limit, in: query, schema: {type: integer, minimum: 1, maximum: 100, default: 10}}
              responses:
                "503": {$ref: "#/components/responses/Error"}
                "200":
                  description: The matching entities.
                  content:
                    application/json:
                      schema:
                        type: object
                        required: [query, reference_time, results]
                        properties:
                          query: {type: string}
                          reference_time: {type: string}
                          results: {type: array, items: {$ref: "#/components/schemas/State"}}
                "400": {$ref: "#/components/responses/Error"}
                "409": {$ref: "#/components/responses/Error"}
          /api/v1/temporal/entities/{name}/timeline:
            get:
              operationId: namedTimeline
              summary: Every change of the entity with this key or name in a range.
              parameters:
                - {name: name, in: path, required: true, schema: {type: string}, example: Linda Park}
                - {name: type, in: query, schema: {type: string}, description: The entity type, when the name is ambiguous.}
                - {name: start_date, in: query, schema: {type: string, format: date-time}}
                - {name: end_date, in: query, schema: {type: string, format: date-time}}
              responses:
                "503": {$ref: "#/components/responses/Error"}
                "200":
                  description: The changes.
                  content:
                    application/json:
                      schema:
                        type: object
                        required: [entity, start_date, end_date, changes]
                        properties:
                          entity: {$ref: "#/components/schemas/EntityWithID"}
                          start_date: {type: [string, "null"]}
                          end_date: {type: [string, "null"]}
                          changes: {type: array, items: {type: object}}
                "400": {$ref: "#/components/responses/Error"}
                "404": {$ref: "#/components/responses/Error"}
                "409": {$ref: "#/components/responses/Error"}
          /api/v1/analytics/most-changed:
            get:
              operationId: mostChanged
              summary: Entities with the most property versions valid in [from, to).
              parameters:
                - {name: from, in: query, schema: {type: string, format: date-time}}
                - {name: to, in: query, schema: {type: string, format: date-time}}
                - {name: limit, in: query, schema: {type: integer, minimum: 1, maximum: 1000, default: 10}}
              responses:
                "503": {$ref: "#/components/responses/Error"}
                "200":
                  description: The ranking.
                  content:
                    application/json:
                      schema:
                        type: object
                        required: [from, to, entities]
                        properties:
                          from: {type: string}
                          to: {type: string}
                          entities:
                            type: array
                            items:
                              type: object
                              required: [entity, changes]
                              properties:
                                entity: {$ref: "#/components/schemas/EntityWithID"}
                                changes: {type: integer}
                "400": {$ref: "#/components/responses/Error"}
          /api/v1/analytics/relationship-churn:
            get:
              operationId: relationshipChurn
              summary: Per relation type, instances started, explicitly ended and superseded in [from, to).
              parameters:
                - {name: from, in: query, schema: {type: string, format: date-time}}
                - {name: to, in: query, schema: {type: string, format: date-time}}
              responses:
                "503": {$ref: "#/components/responses/Error"}
                "200":
                  description: The churn.
                  content:
                    application/json:
                      schema:
                        type: object
                        required: [from, to, relation_types]
                        properties:
                          from: {type: string}
                          to: {type: string}
                          relation_types:
                            type: array
                            items:
                              type: object
                              required: [type, cardinality, started, ended, superseded]
                              properties:
                                type: {type: string}
                                cardinality: {type: string}
                                started: {type: integer}
                                ended: {type: integer}
                                superseded: {type: integer}
                "400": {$ref: "#/components/responses/Error"}
          /api/v1/documents:
            post:
              operationId: addDocument
              summary: Store a document; it is chunked, embedded, indexed and linked to the entities it mentions.
              parameters: [{$ref: "#/components/parameters/IdempotencyKey"}]
              requestBody:
                required: true
                content: {application/json: {schema: {$ref: "#/components/schemas/DocumentInput"}}}
              responses:
                "503": {$ref: "#/components/responses/Error"}
                "201": {description: Stored., content: {application/json: {schema: {$ref: "#/components/schemas/DocumentSaved"}}}}
                "400": {$ref: "#/components/responses/Error"}
                "422": {$ref: "#/components/responses/Error"}
                "409": {$ref: "#/components/responses/Error"}
                "413": {$ref: "#/components/responses/Error"}
                "415": {$ref: "#/components/responses/Error"}
          /api/v1/documents/{document}:
            parameters:
              - {name: document, in: path, required: true, schema: {type: string, format: uuid}}
            get:
              operationId: getDocument
              summary: The document.
              responses:
                "503": {$ref: "#/components/responses/Error"}
                "200": {description: The document., content: {application/json: {schema: {$ref: "#/components/schemas/Document"}}}}
                "400": {$ref: "#/components/responses/Error"}
                "404": {$ref: "#/components/responses/Error"}
            put:
              operationId: replaceDocument
              summary: Replace the document (re-chunked and re-embedded).
              parameters: [{$ref: "#/components/parameters/IdempotencyKey"}]
              requestBody:
                required: true
                content: {application/json: {schema: {$ref: "#/components/schemas/DocumentInput"}}}
              responses:
                "503": {$ref: "#/components/responses/Error"}
                "200": {description: Replaced., content: {application/json: {schema: {$ref: "#/components/schemas/DocumentSaved"}}}}
                "400": {$ref: "#/components/responses/Error"}
                "422": {$ref: "#/components/responses/Error"}
                "404": {$ref: "#/components/responses/Error"}
                "409": {$ref: "#/components/responses/Error"}
                "413": {$ref: "#/components/responses/Error"}
                "415": {$ref: "#/components/responses/Error"}
            delete:
              operationId: deleteDocument
              summary: Remove the document with its chunks, vectors, full-text rows and mentions.
              parameters: [{$ref: "#/components/parameters/IdempotencyKey"}]
              responses:
                "503": {$ref: "#/components/responses/Error"}
                "200": {description: Removed., content: {application/json: {schema: {type: object, required: [deleted], properties: {deleted: {type: string}}}}}}
                "400": {$ref: "#/components/responses/Error"}
                "409": {$ref: "#/components/responses/Error"}
                "422": {$ref: "#/components/responses/Error"}
                "404": {$ref: "#/components/responses/Error"}
          /api/v1/search:
            get:
              operationId: search
              summary: Document chunks by hybrid (vector and BM25 fused by reciprocal rank, k = 60), vector or text search.
              description: Any query parameter filter.FIELD=VALUE keeps chunks of documents whose metadata FIELD has that value.
              parameters:
                - {name: q, in: query, required: true, schema: {type: string, minLength: 1}, example: shop filter}
                - {name: mode, in: query, schema: {type: string, enum: [hybrid, vector, text], default: hybrid}}
                - {name: limit, in: query, schema: {type: integer, minimum: 1, maximum: 100, default: 10}}
              responses:
                "503": {$ref: "#/components/responses/Error"}
                "200":
                  description: The chunks, best first.
                  content:
                    application/json:
                      schema:
                        type: object
                        required: [query, mode, results, entities]
                        properties:
                          query: {type: string}
                          mode: {type: string}
                          entities:
                            description: The entities the documents of the results mention.
                            type: array
                            items: {$ref: "#/components/schemas/EntityWithID"}
                          results:
                            type: array
                            items:
                              type: object
                              required: [document_id, chunk_id, start, end, text, score, ranks]
                              properties:
                                document_id: {type: string}
                                chunk_id: {type: integer}
                                start: {type: integer}
                                end: {type: integer}
                                text: {type: string}
                                score: {type: number}
                                ranks:
                                  type: object
                                  properties:
                                    vector: {type: [integer, "null"]}
                                    text: {type: [integer, "null"]}
                "400": {$ref: "#/components/responses/Error"}
          /health:
            get:
              operationId: health
              summary: The status of each store.
              responses:
                "200": {description: Every store answers (status degraded when only the cache does not)., content: {application/json: {schema: {$ref: "#/components/schemas/Health"}}}}
                "503": {description: A store does not answer., content: {application/json: {schema: {$ref: "#/components/schemas/Health"}}}}
          /metrics:
            get:
              operationId: metrics
              summary: Prometheus metrics.
              responses:
                "200": {description: Metrics in the Prometheus text format., content: {text/plain: {schema: {type: string}}}}
          /openapi.yaml:
            get:
              operationId: openapi
              summary: This document.
              responses:
                "200": {description: The OpenAPI document., content: {application/yaml: {schema: {type: string}}}}
        components:
          parameters:
            Type: {name: type, in: path, required: true, schema: {type: string}, example: Tractor, description: Entity type, e.g. Tractor.}
            Key: {name: key, in: path, required: true, schema: {type: string}, example: "6520", description: Natural key, e.g. 6520.}
            ID: {name: id, in: path, required: true, schema: {type: string, format: uuid}, description: The entity's UUIDv7.}
            IdempotencyKey:
              name: Idempotency-Key
              in: header
              required: false
              schema: {type: string, minLength: 1, maxLength: 255, pattern: "^[!-~]+$"}
              description: >-
                Makes the write safe to retry for 24 hours: a retry with the same key, method, path and body gets the first
                answer again (with Idempotent-Replayed true) and applies nothing twice; the same key with another request is
                422 idempotency_key_reused; while the first runs, 409 idempotency_key_in_use.
          responses:
            Error:
              description: An error, as one sentence with a code.
              content: {application/json: {schema: {$ref: "#/components/schemas/Error"}}}
          schemas:
            Error:
              type: object
              required: [error]
              properties:
                error:
                  type: object
                  required: [code, message]
                  properties:
                    code: {type: string}
                    message: {type: string}
                    line: {type: integer, description: The record line (or array element) at fault.}
            Accepted:
              type: object
              required: [accepted, new_entities]
              properties:
                accepted: {type: integer}
                new_entities: {type: integer}
            Ontology:
              type: object
              required: [name, version, entity_types, relation_types]
              properties:
                name: {type: string}
                version: {type: integer}
                entity_types: {type: object}
                relation_types: {type: object}
            EntityRef:
              type: object
              required: [type, key]
              properties:
                type: {type: string}
                key: {type: string}
            EntityWithID:
              type: object
              required: [type, key, id]
              properties:
                type: {type: string}
                key: {type: string}
                id: {type: string}
            State:
              type: object
              required: [entity, at, known_at, properties, relations]
              properties:
                entity: {$ref: "#/components/schemas/EntityWithID"}
                at: {type: string}
                known_at: {type: string}
                properties: {type: object}
                relations:
                  type: array
                  items:
                    type: object
                    required: [type, direction, entity, valid_at, invalid_at]
                    properties:
                      type: {type: string}
                      direction: {type: string, enum: [incoming, outgoing]}
                      entity: {$ref: "#/components/schemas/EntityRef"}
                      valid_at: {type: string}
                      invalid_at: {type: [string, "null"]}
            Neighbors:
              type: object
              required: [entity, at, known_at, depth, direction, relations, neighbors]
              properties:
                entity: {$ref: "#/components/schemas/EntityWithID"}
                at: {type: string}
                known_at: {type: string}
                depth: {type: integer}
                direction: {type: string, enum: [outgoing, incoming, both]}
                relations: {type: [array, "null"], items: {type: string}}
                neighbors:
                  type: array
                  items:
                    type: object
                    required: [entity, depth, from, via]
                    properties:
                      entity: {$ref: "#/components/schemas/EntityWithID"}
                      depth: {type: integer}
                      from: {$ref: "#/components/schemas/EntityRef"}
                      via:
                        type: object
                        required: [type, direction, entity, valid_at, invalid_at]
                        properties:
                          type: {type: string}
                          direction: {type: string, enum: [incoming, outgoing]}
                          entity: {$ref: "#/components/schemas/EntityRef"}
                          valid_at: {type: string}
                          invalid_at: {type: [string, "null"]}
            RelationsBetween:
              type: object
              required: [entity, other, known_at, relations]
              properties:
                entity: {$ref: "#/components/schemas/EntityWithID"}
                other: {$ref: "#/components/schemas/EntityWithID"}
                known_at: {type: string}
                relations:
                  type: array
                  items:
                    type: object
                    required: [type, direction, entity, valid_at, invalid_at, ended_by, fact, recorded_at]
                    properties:
                      type: {type: string}
                      direction: {type: string, enum: [incoming, outgoing]}
                      entity: {$ref: "#/components/schemas/EntityRef"}
                      valid_at: {type: string}
                      invalid_at: {type: [string, "null"]}
                      ended_by: {type: [string, "null"], enum: [invalid_at, end, superseded, null]}
                      fact: {type: [string, "null"]}
                      recorded_at: {type: string}
            Timeline:
              type: object
              required: [entity, property, known_at, events]
              properties:
                entity: {$ref: "#/components/schemas/EntityWithID"}
                property: {type: string}
                known_at: {type: string}
                events:
                  type: array
                  items:
                    type: object
                    required: [value, valid_at, valid_to, recorded_at]
                    properties:
                      value: {}
                      valid_at: {type: string}
                      valid_to: {type: [string, "null"]}
                      recorded_at: {type: string}
            History:
              type: object
              required: [entity, known_at, events]
              properties:
                entity: {$ref: "#/components/schemas/EntityWithID"}
                known_at: {type: string}
                events: {type: array, items: {type: object, required: [kind, valid_at]}}
            DocumentInput:
              type: object
              required: [title, content]
              properties:
                title: {type: string, minLength: 1}
                content: {type: string, minLength: 1}
                metadata: {type: object}
                source: {type: string}
                reference_time: {type: string, format: date-time}
            DocumentSaved:
              type: object
              required: [id, chunks]
              properties:
                id: {type: string}
                chunks: {type: integer}
            Document:
              type: object
              required: [id, title, content, metadata, source, reference_time, recorded_at, chunks]
              properties:
                id: {type: string}
                title: {type: string}
                content: {type: string}
                metadata: {type: object}
                source: {type: [string, "null"]}
                reference_time: {type: [string, "null"]}
                recorded_at: {type: string}
                chunks: {type: integer}
            Health:
              type: object
              required: [status, stores]
              properties:
                status: {type: string, enum: [ok, degraded]}
                stores: {type: object}
        """
}

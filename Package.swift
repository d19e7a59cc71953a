// swift-tools-version: 6.2
import PackageDescription

let strict: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
    .enableUpcomingFeature("InternalImportsByDefault"),
]

let package = Package(
    name: "ApexMemory",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "apex", targets: ["apex"]),
        .library(name: "ApexCore", targets: ["ApexCore"]),
        .library(name: "ApexPorts", targets: ["ApexPorts"]),
        .library(name: "ApexMigrations", targets: ["ApexMigrations"]),
        .library(name: "ApexSQLite", targets: ["ApexSQLite"]),
        .library(name: "ApexEngine", targets: ["ApexEngine"]),
        .library(name: "ApexTesting", targets: ["ApexTesting"]),
        .library(name: "ApexHTTP", targets: ["ApexHTTP"]),
        .library(name: "ApexVector", targets: ["ApexVector"]),
        .library(name: "ApexEmbedders", targets: ["ApexEmbedders"]),
        .library(name: "ApexPostgres", targets: ["ApexPostgres"]),
        .library(name: "ApexRESP", targets: ["ApexRESP"]),
        .library(name: "ApexFalkorDB", targets: ["ApexFalkorDB"]),
        .library(name: "ApexRedis", targets: ["ApexRedis"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/groue/GRDB.swift.git", from: "7.10.0"),
        .package(url: "https://github.com/jpsim/Yams.git", from: "6.2.2"),
        .package(url: "https://github.com/apple/swift-crypto.git", from: "4.5.2"),
        .package(url: "https://github.com/HdrHistogram/hdrhistogram-swift.git", from: "0.2.0"),
        .package(url: "https://github.com/x-sheep/swift-property-based.git", from: "2.0.1"),
        .package(url: "https://github.com/hummingbird-project/hummingbird.git", from: "2.28.1"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-metrics.git", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus.git", from: "2.4.1"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.13.0"),
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-nio-extras.git", from: "1.35.2"),
        .package(url: "https://github.com/apple/swift-http-types.git", from: "1.8.0"),
        .package(url: "https://github.com/vapor/postgres-nio.git", from: "1.33.2"),
    ],
    targets: [
        // The domain: ids, time, JSON values, ontology, records and the temporal rules. No I/O.
        .target(
            name: "ApexCore",
            dependencies: [.product(name: "Yams", package: "Yams")],
            // Optimised in debug builds too: the tests embed, parse and check hundreds of thousands of values through it.
            swiftSettings: strict + [.unsafeFlags(["-O"], .when(configuration: .debug))]
        ),
        // The store protocols the engine talks to.
        .target(name: "ApexPorts", dependencies: ["ApexCore"], swiftSettings: strict),
        // The schema migration runner shared by every store.
        .target(
            name: "ApexMigrations",
            dependencies: [.product(name: "Crypto", package: "swift-crypto")],
            swiftSettings: strict
        ),
        // The embedded store: one SQLite file (GRDB, WAL).
        .target(
            name: "ApexSQLite",
            dependencies: ["ApexCore", "ApexPorts", "ApexMigrations", .product(name: "GRDB", package: "GRDB.swift")],
            swiftSettings: strict
        ),
        // The PostgreSQL adapter (PostgresNIO): records, facts, documents with tsvector full-text, and pgvector.
        .target(
            name: "ApexPostgres",
            dependencies: [
                "ApexCore", "ApexPorts", "ApexMigrations",
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strict
        ),
        // Our RESP2/RESP3 client (SwiftNIO): a pure codec, a channel handler, a bounded pool. For FalkorDB and Redis.
        .target(
            name: "ApexRESP",
            dependencies: [
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strict
        ),
        // The graph store on FalkorDB (over ApexRESP): facts and ends in graphiti-core's layout, Cypher migrations.
        .target(
            name: "ApexFalkorDB",
            dependencies: ["ApexCore", "ApexPorts", "ApexMigrations", "ApexRESP", .product(name: "Logging", package: "swift-log")],
            swiftSettings: strict
        ),
        // The engine: ingest and temporal queries over the ports.
        .target(
            name: "ApexEngine",
            dependencies: ["ApexCore", "ApexPorts", .product(name: "Metrics", package: "swift-metrics")],
            swiftSettings: strict
        ),
        // The shared cache on Redis (over ApexRESP): generations, fills and write marks as Lua scripts.
        .target(
            name: "ApexRedis",
            dependencies: [
                "ApexCore", "ApexPorts", "ApexRESP", .product(name: "Crypto", package: "swift-crypto"), .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strict
        ),
        // Fixtures and the conformance suite every adapter runs.
        .target(
            name: "ApexTesting",
            dependencies: [
                "ApexCore", "ApexPorts", "ApexEngine", "ApexMigrations", "ApexPostgres", "ApexFalkorDB", "ApexRESP",
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strict
        ),
        // The in-process vector index (HNSW, int8 quantization). No I/O.
        // Optimised in debug builds too: the test command builds and searches HNSW indexes of thousands of vectors,
        // which unoptimised code does about a hundred times slower.
        .target(name: "ApexVector", dependencies: ["ApexPorts", "CApexKernels"], swiftSettings: strict + [.unsafeFlags(["-O"], .when(configuration: .debug))]),
        // Vector-unit loops in C (AVX2 and FMA chosen at run time, portable C elsewhere) and zlib's inflate for zip
        // entries. Optimised in debug builds too: the test command runs the MiniLM encoder.
        .target(
            name: "CApexKernels",
            cSettings: [.unsafeFlags(["-O3"])],
            linkerSettings: [.linkedLibrary("z")]
        ),
        // Embedders: MiniLM on the CPU (all-MiniLM-L6-v2's own files) and the OpenAI-compatible HTTP API.
        .target(
            name: "ApexEmbedders",
            dependencies: ["ApexCore", "ApexPorts", "CApexKernels"],
            swiftSettings: strict + [.unsafeFlags(["-O"], .when(configuration: .debug))]
        ),
        // The HTTP API (Hummingbird 2): routes, errors, metrics, the OpenAPI document.
        .target(
            name: "ApexHTTP",
            dependencies: [
                "ApexCore", "ApexPorts", "ApexEngine",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdCore", package: "hummingbird"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTPTypes", package: "swift-nio-extras"),
                .product(name: "Prometheus", package: "swift-prometheus"),
            ],
            swiftSettings: strict
        ),
        // The `apex` command.
        .executableTarget(
            name: "apex",
            dependencies: [
                "ApexCore", "ApexPorts", "ApexEngine", "ApexSQLite", "ApexPostgres", "ApexFalkorDB", "ApexMigrations", "ApexHTTP", "ApexVector",
                "ApexEmbedders", "ApexRedis", "CApexKernels",
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Histogram", package: "hdrhistogram-swift"),
            ],
            swiftSettings: strict
        ),
        .testTarget(
            name: "ApexCoreTests",
            dependencies: ["ApexCore", .product(name: "PropertyBased", package: "swift-property-based")],
            swiftSettings: strict
        ),
        .testTarget(name: "ApexMigrationsTests", dependencies: ["ApexMigrations", "ApexSQLite", "ApexTesting"], swiftSettings: strict),
        .testTarget(
            name: "ApexSQLiteTests",
            dependencies: [
                "ApexCore", "ApexPorts", "ApexEngine", "ApexSQLite", "ApexTesting", "ApexVector", "ApexMigrations",
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "PropertyBased", package: "swift-property-based"),
            ],
            swiftSettings: strict
        ),
        .testTarget(
            name: "ApexHTTPTests",
            dependencies: [
                "ApexCore", "ApexPorts", "ApexEngine", "ApexSQLite", "ApexHTTP", "ApexTesting", "ApexVector", "ApexEmbedders",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdTesting", package: "hummingbird"),
            ],
            swiftSettings: strict
        ),
        .testTarget(
            name: "ApexPostgresTests",
            dependencies: [
                "ApexCore", "ApexPorts", "ApexEngine", "ApexPostgres", "ApexSQLite", "ApexTesting", "ApexMigrations", "ApexHTTP",
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "PropertyBased", package: "swift-property-based"),
                .product(name: "HummingbirdTesting", package: "hummingbird"),
            ],
            swiftSettings: strict
        ),
        .testTarget(
            name: "ApexRESPTests",
            dependencies: ["ApexRESP", .product(name: "NIOCore", package: "swift-nio"), .product(name: "NIOEmbedded", package: "swift-nio")],
            swiftSettings: strict
        ),
        .testTarget(
            name: "ApexFalkorDBTests",
            dependencies: [
                "ApexCore", "ApexPorts", "ApexEngine", "ApexFalkorDB", "ApexSQLite", "ApexPostgres", "ApexTesting", "ApexMigrations", "ApexRESP",
                "ApexHTTP", "ApexVector", .product(name: "HummingbirdTesting", package: "hummingbird"),
                .product(name: "PropertyBased", package: "swift-property-based"),
            ],
            swiftSettings: strict
        ),
        .testTarget(
            name: "ApexRedisTests",
            dependencies: [
                "ApexCore", "ApexPorts", "ApexEngine", "ApexRedis", "ApexRESP", "ApexSQLite", "ApexPostgres", "ApexTesting", "ApexVector",
            ],
            swiftSettings: strict
        ),
        .testTarget(name: "ApexVectorTests", dependencies: ["ApexVector", "ApexPorts"], swiftSettings: strict),
        .testTarget(name: "ApexEmbeddersTests", dependencies: ["ApexEmbedders", "ApexCore", "ApexTesting", "CApexKernels"], exclude: ["Fixtures"], swiftSettings: strict),
        .testTarget(
            name: "apexTests",
            dependencies: ["ApexCore", "ApexTesting", "apex", .product(name: "PostgresNIO", package: "postgres-nio")],
            swiftSettings: strict
        ),
    ]
)

// swift-tools-version:6.0
import PackageDescription

// Layers, from the bottom up (see docs/architecture.md):
//   Clients/*    HTTP clients that could ship alone (SigV4, S3/IAM/STS, Snowflake SQL API, libcurl HTTP)
//   Engine       stack model and engine: parse, resolve, graph, diff, execute, state (no HTTP)
//   Providers/*  one small resource protocol per kind (pool, AWS, Snowflake)
//   CLI, infra   the thin command line
let package = Package(
    name: "infra",
    platforms: [.macOS(.v13)],
    products: [
        .executable(name: "infra", targets: ["infra"]),
        .library(name: "InfraEngine", targets: ["InfraEngine"]),
    ],
    dependencies: [
        .package(url: "https://github.com/jpsim/Yams", from: "6.2.2"),
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-crypto", from: "3.12.3"),
    ],
    targets: [
        .target(
            name: "InfraEngine",
            dependencies: [.product(name: "Yams", package: "Yams"), .product(name: "Crypto", package: "swift-crypto")],
            path: "Sources/Engine"),
        .target(
            name: "SnowflakeSQLAPI",
            dependencies: ["CurlHTTP", .product(name: "Crypto", package: "swift-crypto"), .product(name: "_CryptoExtras", package: "swift-crypto")],
            path: "Sources/Clients/SnowflakeSQL"),
        .target(name: "PoolProvider", dependencies: ["InfraEngine"], path: "Sources/Providers/Pool"),
        .target(name: "SnowflakeProvider", dependencies: ["InfraEngine", "SnowflakeSQLAPI"], path: "Sources/Providers/Snowflake"),
        .systemLibrary(name: "CZlib", path: "Sources/CZlib"),
        .target(name: "AWSProvider", dependencies: ["InfraEngine", "CZlib", "AWSClients"], path: "Sources/Providers/AWS"),
        .target(name: "AirflowExport", dependencies: ["InfraEngine", "SnowflakeProvider"], path: "Sources/Export/Airflow"),
        .target(
            name: "InfraCLI",
            dependencies: ["InfraEngine", "PoolProvider", "SnowflakeProvider", "AWSProvider", "AWSClients", "SnowflakeSQLAPI", "AirflowExport",
                           .product(name: "ArgumentParser", package: "swift-argument-parser")],
            path: "Sources/CLI"),
        .executableTarget(name: "infra", dependencies: ["InfraCLI"], path: "Sources/infra"),
        .target(name: "TestSupport", path: "Tests/Support"),
        .testTarget(name: "EngineTests", dependencies: ["InfraEngine", "PoolProvider", "InfraCLI", "infra", "TestSupport"], path: "Tests/EngineTests",
                    exclude: ["Fixtures"]),
        .testTarget(name: "AWSProviderTests", dependencies: ["AWSProvider", "InfraEngine"], path: "Tests/AWSProviderTests"),
        .testTarget(name: "IntegrationTests", dependencies: ["TestSupport", "SnowflakeSQLAPI", "SnowflakeProvider", "InfraEngine", "infra"], path: "Tests/IntegrationTests"),
        .testTarget(name: "SnowflakeSQLAPITests", dependencies: ["SnowflakeSQLAPI"], path: "Tests/SnowflakeSQLAPITests"),
        .testTarget(name: "SnowflakeProviderTests", dependencies: ["SnowflakeProvider", "InfraEngine", "SnowflakeSQLAPI",
                                                               .product(name: "_CryptoExtras", package: "swift-crypto")],
                    path: "Tests/SnowflakeProviderTests"),
        .target(name: "SigV4", dependencies: [.product(name: "Crypto", package: "swift-crypto")], path: "Sources/Clients/SigV4"),
        .target(name: "AWSClients", dependencies: ["SigV4", "CurlHTTP", .product(name: "Crypto", package: "swift-crypto")], path: "Sources/Clients/AWS"),
        // HTTP over libcurl's multi interface, shared by the AWS and Snowflake clients.
        .systemLibrary(name: "CCurl", path: "Sources/CCurl"),
        .target(name: "CurlHTTP", dependencies: ["CCurl"], path: "Sources/Clients/HTTP"),
        .testTarget(name: "CurlHTTPTests", dependencies: ["CurlHTTP"], path: "Tests/CurlHTTPTests"),
        .testTarget(name: "SigV4Tests", dependencies: ["SigV4"], path: "Tests/SigV4Tests", exclude: ["Fixtures"]),
        .testTarget(name: "AirflowExportTests", dependencies: ["InfraEngine", "SnowflakeProvider", "TestSupport", "infra"],
                    path: "Tests/AirflowExportTests"),
        .testTarget(name: "AWSClientsTests", dependencies: ["AWSClients", "SigV4"], path: "Tests/AWSClientsTests"),
    ]
)

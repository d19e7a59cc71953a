import Foundation

/// The migrations directory of a deployment: one subdirectory per store (`sqlite`, `postgres`, `graph`) of ``MigrationFile``s.
///
/// A missing directory (or subdirectory) holds no migrations. Files whose
/// extension is not the store's (a README, an editor's backup) are left alone;
/// a `.sql` or `.cypher` file that cannot be read is an error naming it, so a
/// typo never silently skips a migration.
public struct MigrationDirectory: Sendable, Equatable {
    /// The store subdirectories and the extension of their files.
    public enum Store: String, Sendable, CaseIterable {
        case sqlite, postgres, graph

        public var fileExtension: String { self == .graph ? "cypher" : "sql" }
    }

    public let path: String

    public init(path: String) {
        self.path = path
    }

    /// The subdirectory of `store`.
    public func directory(of store: Store) -> String {
        (path as NSString).appendingPathComponent(store.rawValue)
    }

    /// The store's migrations in version order.
    public func migrations(of store: Store) throws -> [Migration] {
        try files(of: store).map(\.file.migration)
    }

    /// The store's files in version order, with their paths.
    public func files(of store: Store) throws -> [(path: String, file: MigrationFile)] {
        let folder = directory(of: store)
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: folder, isDirectory: &isDirectory), isDirectory.boolValue else { return [] }
        let names: [String]
        do {
            names = try FileManager.default.contentsOfDirectory(atPath: folder)
        } catch {
            throw MigrationDirectoryError.unreadable(path: folder, reason: error.localizedDescription)
        }
        var read: [(path: String, file: MigrationFile)] = []
        for name in names.sorted() where (name as NSString).pathExtension == store.fileExtension {
            let path = (folder as NSString).appendingPathComponent(name)
            guard let data = FileManager.default.contents(atPath: path), let text = String(data: data, encoding: .utf8) else {
                throw MigrationDirectoryError.unreadable(path: path, reason: "it is not readable UTF-8 text")
            }
            let file: MigrationFile
            do {
                file = try MigrationFile(fileName: name, text: text)
            } catch {
                throw MigrationDirectoryError.badFile(path: path, error: error)
            }
            if let other = read.first(where: { $0.file.version == file.version }) {
                throw MigrationDirectoryError.badFile(
                    path: path, error: .duplicateVersion(file: name, other: (other.path as NSString).lastPathComponent, version: file.version))
            }
            read.append((path, file))
        }
        return read.sorted { $0.file.version < $1.file.version }
    }

    /// Writes the skeleton of the store's next migration (one above the newest file, at least ``MigrationFile/firstVersion``) and returns its path.
    public func create(name: String, store: Store) throws -> String {
        guard MigrationFile.isValidName(name) else { throw MigrationDirectoryError.badName(name: name) }
        let existing = try files(of: store)
        let version = max(MigrationFile.firstVersion, (existing.last?.file.version ?? 0) + 1)
        let folder = directory(of: store)
        let path = (folder as NSString).appendingPathComponent(MigrationFile.fileName(version: version, name: name, fileExtension: store.fileExtension))
        let text = MigrationFile.skeleton(version: version, name: name, store: store.rawValue, graph: store == .graph)
        do {
            try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
            // withoutOverwriting: two creates racing never lose a file.
            try Data(text.utf8).write(to: URL(fileURLWithPath: path), options: .withoutOverwriting)
        } catch {
            throw MigrationDirectoryError.unwritable(path: path, reason: error.localizedDescription)
        }
        return path
    }
}

/// Why the migrations directory could not be used. Each case reads as one sentence.
public enum MigrationDirectoryError: Error, Sendable, Equatable, CustomStringConvertible {
    case unreadable(path: String, reason: String)
    case unwritable(path: String, reason: String)
    case badFile(path: String, error: MigrationFileError)
    case badName(name: String)

    public var description: String {
        switch self {
        case .unreadable(let path, let reason): "cannot read migrations from \(path): \(reason)"
        case .unwritable(let path, let reason): "cannot write \(path): \(reason)"
        case .badFile(let path, let error): "\(error) (in \((path as NSString).deletingLastPathComponent))"
        case .badName(let name): "\(name) is not a migration name: use lowercase letters, digits and _, starting with a letter (at most 64)"
        }
    }
}

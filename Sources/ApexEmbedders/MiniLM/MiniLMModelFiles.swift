import Foundation

/// The files of a sentence-transformers model, from its directory or from a zip archive of it (the PyPI package's
/// `model.zip`), found by name wherever the archive puts the model's folder.
struct MiniLMModelFiles {
    let path: String
    private let source: Source

    private enum Source {
        case directory(URL)
        case archive(ZipArchive, prefix: String)
    }

    init(path: String) throws(MiniLMModelError) {
        self.path = path
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else { throw .cannotRead(path: path) }
        if isDirectory.boolValue {
            source = .directory(URL(fileURLWithPath: path, isDirectory: true))
            return
        }
        let archive = try ZipArchive(path: path)
        // The model's folder is where its weights are, at whatever depth the archive keeps them.
        let weights = archive.entries.keys.filter { $0 == "model.safetensors" || $0.hasSuffix("/model.safetensors") }
        guard let shallowest = weights.min(by: { $0.count < $1.count }) else { throw .missingFile(path: path, name: "model.safetensors") }
        source = .archive(archive, prefix: String(shallowest.dropLast("model.safetensors".count)))
    }

    /// The bytes of `name` (a path inside the model's folder), or nil when there is no such file.
    func contents(_ name: String) throws(MiniLMModelError) -> Data? {
        switch source {
        case .directory(let url):
            let file = url.appendingPathComponent(name)
            guard FileManager.default.fileExists(atPath: file.path) else { return nil }
            guard let data = try? Data(contentsOf: file, options: .alwaysMapped) else { throw .cannotRead(path: file.path) }
            return data
        case .archive(let archive, let prefix):
            guard let entry = archive.entries[prefix + name] else { return nil }
            return try archive.contents(of: entry)
        }
    }

    /// The bytes of `name`, which the model must have.
    func required(_ name: String) throws(MiniLMModelError) -> Data {
        guard let data = try contents(name) else { throw .missingFile(path: path, name: name) }
        return data
    }

    /// How errors name one of the files.
    func describe(_ name: String) -> String {
        switch source {
        case .directory(let url): url.appendingPathComponent(name).path
        case .archive(_, let prefix): "\(path) (\(prefix)\(name))"
        }
    }
}

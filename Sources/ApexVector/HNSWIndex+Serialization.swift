extension HNSWIndex {
    static let magic: [UInt8] = Array("APEXHNSW".utf8)
    static let formatVersion: UInt32 = 1

    /// The whole index as bytes (vectors or codes, links, ids, tombstones).
    public func serialized() -> [UInt8] {
        var writer = ByteWriter()
        for byte in Self.magic { writer.write(byte) }
        writer.write(Self.formatVersion)
        writer.write(UInt32(dimension))
        writer.write(UInt8(VectorMetric.allCases.firstIndex(of: metric) ?? 0))
        writer.write(UInt32(parameters.m))
        writer.write(UInt32(parameters.efConstruction))
        writer.write(UInt32(parameters.efSearch))
        writer.write(parameters.seed)
        writer.write(storedState.random)
        writer.write(Int64(storedState.entry))
        writer.write(UInt32(storedState.maxLevel))
        writer.write(codeScale)
        writer.write(array: ids.map(Int64.init))
        writer.write(floats: vectors)
        writer.write(array: codes)
        writer.write(array: storedState.levels)
        writer.write(array: storedState.links0)
        writer.write(array: storedState.counts0)
        writer.write(array: storedState.offsets0)
        writer.write(array: storedState.deleted.map { $0 ? UInt8(1) : 0 })
        for lists in storedState.upperLinks {
            for list in lists { writer.write(array: list) }
        }
        return writer.bytes
    }

    /// Reads an index written by ``serialized()``; a damaged or foreign file is an error, never a wrong index.
    public init(serialized bytes: [UInt8]) throws(VectorIndexError) {
        var reader = ByteReader(bytes)
        for byte in Self.magic where try reader.read(UInt8.self) != byte { throw .corruptFile(reason: "it is not an ApexMemory vector index") }
        guard try reader.read(UInt32.self) == Self.formatVersion else { throw .corruptFile(reason: "it has another format version") }
        let dimension = Int(try reader.read(UInt32.self))
        let metricIndex = Int(try reader.read(UInt8.self))
        guard dimension > 0, metricIndex < VectorMetric.allCases.count else { throw .corruptFile(reason: "its header is damaged") }
        let parameters = HNSWParameters(
            m: Int(try reader.read(UInt32.self)), efConstruction: Int(try reader.read(UInt32.self)), efSearch: Int(try reader.read(UInt32.self)),
            seed: try reader.read(UInt64.self))
        self.init(dimension: dimension, metric: VectorMetric.allCases[metricIndex], parameters: parameters)
        var state = StoredState()
        state.random = try reader.read(UInt64.self)
        state.entry = Int(try reader.read(Int64.self))
        state.maxLevel = Int(try reader.read(UInt32.self))
        let scale = try reader.readFloat()
        let ids = try reader.readArray(Int64.self).map(Int.init)
        let vectors = try reader.readFloats()
        let codes = try reader.readArray(Int8.self)
        state.levels = try reader.readArray(UInt8.self)
        state.links0 = try reader.readArray(UInt32.self)
        state.counts0 = try reader.readArray(UInt8.self)
        state.offsets0 = try reader.readArray(UInt32.self)
        state.deleted = try reader.readArray(UInt8.self).map { $0 != 0 }
        let count = ids.count
        guard state.levels.count == count, state.deleted.count == count, vectors.count == count * dimension || codes.count == count * dimension,
            state.entry < count, state.links0.allSatisfy({ Int($0) < count })
        else { throw .corruptFile(reason: "its arrays do not fit together") }
        for node in 0..<count {
            var lists: [[UInt32]] = []
            for _ in 0..<Int(state.levels[node]) {
                let list = try reader.readArray(UInt32.self)
                guard list.allSatisfy({ Int($0) < count }) else { throw .corruptFile(reason: "a link points past the last node") }
                lists.append(list)
            }
            state.upperLinks.append(lists)
        }
        guard reader.isAtEnd else { throw .corruptFile(reason: "it has bytes after the index") }
        try restore(ids: ids, vectors: vectors, codes: codes, codeScale: scale, state: state)
    }
}
